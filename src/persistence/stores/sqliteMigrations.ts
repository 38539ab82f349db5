/**
 * The SQLite schema of {@link SqliteStore}, as numbered migrations: entry `i` takes the schema from version
 * `i` to version `i + 1`. Append only: never edit or reorder an entry once released, because databases in the
 * field have already run it; change the schema by adding an entry.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  // 0 → 1: jobs with their record and latest checkpoint in one row.
  `CREATE TABLE phasekit_jobs (
     id           TEXT PRIMARY KEY,
     name         TEXT NOT NULL,
     version      INTEGER NOT NULL,
     status       TEXT NOT NULL,
     phase        TEXT,
     percent      REAL NOT NULL,
     errors_count INTEGER NOT NULL,
     error        TEXT,
     input        BLOB,
     created_at   INTEGER NOT NULL,
     updated_at   INTEGER NOT NULL,
     checkpoint   BLOB NOT NULL
   );
   CREATE INDEX phasekit_jobs_by_updated ON phasekit_jobs (updated_at DESC, id);
   CREATE INDEX phasekit_jobs_by_status ON phasekit_jobs (status, updated_at DESC, id);`,
  // 1 → 2: one-owner leases. One row per job that was ever acquired or sent a request; `fence` only grows
  // (a released lease keeps its row with the owner columns NULL). Not a foreign key of phasekit_jobs: a job
  // may be leased before its first save, and deleting a job must not reset its fence.
  `CREATE TABLE phasekit_leases (
     job_id      TEXT PRIMARY KEY,
     fence       INTEGER NOT NULL,
     worker_id   TEXT,
     pid         INTEGER,
     host        TEXT,
     acquired_at INTEGER,
     expires_at  INTEGER,
     request     TEXT CHECK (request IN ('pause', 'cancel'))
   );`,
];

/** The schema version this code writes: the number of migrations. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS.length;
