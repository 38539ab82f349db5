/**
 * The PostgreSQL schema of `PostgresStore`, as numbered migrations: entry `i` takes a schema from version `i`
 * to version `i + 1`, with `{schema}` standing for the quoted schema name. Append only: never edit or reorder
 * an entry once released, because databases in the field have already run it; change the schema by adding an
 * entry.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  // 0 → 1: jobs (record + latest checkpoint) and leases (fence, owner, expiry, control request). Leases are a
  // table of their own because a lease may be taken before the job's first save, and its fence must outlive a
  // release. Times of leases are epoch ms from the database's clock; job times come from the runtime's clock.
  `CREATE TABLE {schema}.jobs (
     id           text PRIMARY KEY,
     name         text NOT NULL,
     version      integer NOT NULL,
     status       text NOT NULL,
     phase        text,
     percent      double precision NOT NULL,
     errors_count integer NOT NULL,
     error        text,
     input        bytea,
     created_at   bigint NOT NULL,
     updated_at   bigint NOT NULL,
     checkpoint   bytea NOT NULL
   );
   CREATE INDEX jobs_by_updated ON {schema}.jobs (updated_at DESC, id);
   CREATE INDEX jobs_runnable ON {schema}.jobs (updated_at, id) WHERE status IN ('queued', 'running');
   CREATE TABLE {schema}.leases (
     job_id      text PRIMARY KEY,
     fence       bigint NOT NULL,
     worker_id   text,
     pid         integer,
     host        text,
     acquired_at bigint,
     expires_at  bigint,
     request     text CHECK (request IN ('pause', 'cancel'))
   );`,
];

/** The schema version this code writes: the number of migrations. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;
