import { hostname } from 'node:os';
import { pidExists } from './leaseRules.js';
import { decode, encode } from '@msgpack/msgpack';
import pg from 'pg';
import { JobLockedError } from '../JobLockedError.js';
import { JobNotFoundError } from '../JobNotFoundError.js';
import { LeaseLostError } from '../LeaseLostError.js';
import { connectErrorOf } from '../postgres/connectErrorOf.js';
import { notifyPayload, PostgresNotifier, type StoreEvent } from '../postgres/PostgresNotifier.js';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from '../postgres/postgresMigrations.js';
import { SchemaVersionError } from '../SchemaVersionError.js';
import type {
  AcquireOptions,
  ControlRequest,
  JobMeta,
  JobRecord,
  JobStatus,
  Lease,
  LeaseOwner,
  LeaseRenewal,
  ListFilter,
  SaveOptions,
  SnapshotStore,
  StoredJob,
} from '../types.js';
import { isOwnerDead } from '../postgres/isOwnerDead.js';
import { assertLeaseMs, assertOwner } from '../postgres/assertLeaseArgs.js';
import { assertRequest } from './leaseRules.js';

/**
 * What `atomicWith` may be on a `PostgresStore`: a function given the checkpoint transaction's client, whose
 * queries commit (or roll back) together with the checkpoint. It may be async: the store awaits it before it
 * writes the checkpoint and commits.
 */
export type PostgresAtomicWith = (client: pg.PoolClient) => void | Promise<void>;

/** Options of {@link PostgresStore.open}. */
export interface PostgresStoreOptions {
  /** A `postgres://user:password@host:port/database` URL. Either this or `config`. */
  readonly connectionString?: string;
  /** node-postgres pool configuration (host, port, user, password, database, ssl, max...). */
  readonly config?: pg.PoolConfig;
  /** The schema holding the store's tables, created if missing. `[a-z_][a-z0-9_]*`. Default `phasekit`. */
  readonly schema?: string;
  /** Connections in the pool. Default 10. */
  readonly max?: number;
  /**
   * Test hook: take lease times from this clock instead of the database's (a manual clock makes lease expiry
   * testable without waiting). Leave it out in production: workers' clocks need not agree.
   */
  readonly clock?: { now(): number };
}

interface JobRow {
  id: string;
  name: string;
  version: number;
  status: JobStatus;
  phase: string | null;
  percent: number;
  errors_count: number;
  error: string | null;
  input: Buffer | null;
  created_at: number;
  updated_at: number;
  checkpoint?: Buffer;
}

interface LeaseRow {
  job_id: string;
  fence: number;
  worker_id: string;
  pid: number;
  host: string;
  acquired_at: number;
  expires_at: number;
  request?: ControlRequest | null;
}

const RECORD_COLUMNS =
  'id, name, version, status, phase, percent, errors_count, error, input, ' +
  'created_at::float8 AS created_at, updated_at::float8 AS updated_at';
const LEASE_COLUMNS =
  'job_id, fence::float8 AS fence, worker_id, pid, host, acquired_at::float8 AS acquired_at, ' +
  'expires_at::float8 AS expires_at';
/**
 * Now, in epoch ms, from the database's clock, so leases never depend on the workers' clocks agreeing —
 * unless parameter `$n` carries a time (the `clock` test hook).
 */
const nowAt = (n: number) =>
  `COALESCE($${n}::bigint, (extract(epoch from clock_timestamp()) * 1000)::bigint)`;

const UPDATE_SET = `name = excluded.name, version = excluded.version, status = excluded.status,
  phase = excluded.phase, percent = excluded.percent, errors_count = excluded.errors_count,
  error = excluded.error, input = excluded.input, updated_at = excluded.updated_at,
  checkpoint = excluded.checkpoint`;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,40}$/;

/**
 * Checkpoints and leases in PostgreSQL, shared by many workers on many machines (`phasekit/postgres`).
 *
 * - One row per job holds its record and latest checkpoint; the schema lives in its own schema (option
 *   `schema`) and is migrated on open, under an advisory lock, by append-only numbered migrations.
 * - Leases: {@link PostgresStore.claim} hands a worker a runnable job (queued, or running with no live lease:
 *   crashed, stopped or stalled past its lease) with `FOR UPDATE SKIP LOCKED`; each claim or
 *   {@link PostgresStore.acquire} increments the job's fencing token. Lease times come from the database's
 *   clock.
 * - Every save that carries `fence` checks it in the same transaction as the write; a stale one is refused
 *   with `LeaseLostError` and nothing (neither the checkpoint nor the caller's `atomicWith` queries) is
 *   written.
 * - `atomic` is true: `atomicWith` receives the transaction's `pg` client and may be async
 *   ({@link PostgresAtomicWith}); its queries commit with the checkpoint, so effects a job writes to this
 *   database happen exactly once.
 * - Pause and cancel requests are stored with the lease and announced by NOTIFY, as are jobs that become
 *   runnable: {@link PostgresStore.subscribe}.
 *
 * @example
 * ```ts
 * const store = await PostgresStore.open({ connectionString: process.env.DATABASE_URL });
 * await store.save(jobId, bytes, meta, {
 *   fence: lease.fence,
 *   atomicWith: (async (client: pg.PoolClient) => {
 *     await client.query('INSERT INTO photos (path, hash) VALUES ($1, $2)', [path, hash]);
 *   }) as never, // SaveOptions.atomicWith is typed for synchronous stores until the shared type widens
 * });
 * ```
 */
export class PostgresStore implements SnapshotStore {
  readonly atomic = true;
  /** The pool the store queries through; use it for your own tables too. */
  readonly pool: pg.Pool;
  /** The schema holding the store's tables. */
  readonly schema: string;
  readonly #q: string;
  readonly #channel: string;
  readonly #notifier: PostgresNotifier;
  readonly #clock: { now(): number } | undefined;
  /** `jobId\0fence` of leases under which a write failed with the connection: refused from then on. */
  readonly #doubtful = new Set<string>();
  #closed = false;

  private constructor(pool: pg.Pool, config: pg.ClientConfig, schema: string, clock?: { now(): number }) {
    this.#clock = clock;
    this.pool = pool;
    this.schema = schema;
    this.#q = `"${schema}"`;
    this.#channel = `phasekit_${schema}`;
    this.#notifier = new PostgresNotifier(config, this.#channel);
  }

  /**
   * Connect, check the server, and migrate the schema to this code's version.
   * @throws {PostgresConnectError} when the server cannot be reached, refuses the login, lacks the database or
   *   the rights to create the schema (one line saying which).
   * @throws {SchemaVersionError} when the schema is newer than this code.
   */
  static async open(options: PostgresStoreOptions | string): Promise<PostgresStore> {
    const opts = typeof options === 'string' ? { connectionString: options } : options;
    const schema = opts.schema ?? 'phasekit';
    if (!SCHEMA_NAME.test(schema)) {
      throw new TypeError(`Schema name "${schema}" is not allowed: use lower-case letters, digits and _.`);
    }
    const config: pg.PoolConfig = {
      ...opts.config,
      ...(opts.connectionString !== undefined ? { connectionString: opts.connectionString } : {}),
      max: opts.max ?? opts.config?.max ?? 10,
      connectionTimeoutMillis: opts.config?.connectionTimeoutMillis ?? 10_000,
    };
    const pool = new pg.Pool(config);
    // An idle connection the server dropped must not crash the process; the next query gets a fresh one.
    pool.on('error', () => {});
    const store = new PostgresStore(pool, config, schema, opts.clock);
    try {
      await store.#migrate();
    } catch (error) {
      await pool.end().catch(() => {});
      const target = new pg.Client(config);
      throw connectErrorOf(error, target, schema);
    }
    return store;
  }

  /**
   * Replace the job's checkpoint and record, keeping `createdAt` from the first save. With `opts.fence`, the
   * write happens only if it is the job's current fence (else `LeaseLostError`, nothing written). With
   * `opts.atomicWith`, that function runs first in the same transaction, given its client; if it throws or
   * rejects, nothing is written and its error propagates.
   */
  async save(jobId: string, bytes: Uint8Array, meta: JobMeta, opts: SaveOptions = {}): Promise<void> {
    if (opts.fence === undefined) return this.#save(jobId, bytes, meta, opts);
    const key = `${jobId}\u0000${opts.fence}`;
    if (this.#doubtful.has(key)) throw new LeaseLostError(jobId, opts.fence, { cause: DOUBTFUL });
    try {
      await this.#save(jobId, bytes, meta, opts);
    } catch (error) {
      // The connection went away during a write under this lease: it may or may not have committed, so what
      // this run holds in memory may not be what is stored. Its run must stop and the job go on from the
      // store: this and every later write under this fence are refused as a lost lease.
      if (!isConnectionLoss(error)) throw error;
      this.#doubtful.add(key);
      throw new LeaseLostError(jobId, opts.fence, { cause: error });
    }
  }

  async #save(jobId: string, bytes: Uint8Array, meta: JobMeta, opts: SaveOptions): Promise<void> {
    const params = [
      jobId,
      meta.name,
      meta.version,
      meta.status,
      meta.phase ?? null,
      meta.percent,
      meta.errorsCount,
      meta.error ?? null,
      meta.input === undefined ? null : encode(meta.input, { ignoreUndefined: true }),
      meta.updatedAt,
      bytes,
    ];
    const upsert = `INSERT INTO ${this.#q}.jobs
        (id, name, version, status, phase, percent, errors_count, error, input, created_at, updated_at, checkpoint)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)
      ON CONFLICT (id) DO UPDATE SET ${UPDATE_SET}`;
    const notify = meta.status === 'queued' ? notifyPayload({ type: 'runnable', jobId }) : undefined;
    const atomicWith = opts.atomicWith as PostgresAtomicWith | undefined;
    if (atomicWith === undefined && opts.fence === undefined) {
      // Every job has a lease row (fence 0 until first taken): claim locks lease rows only, so it never
      // waits on, or deadlocks with, a save (which locks the lease row, then the job row).
      await this.pool.query(
        `WITH l AS (INSERT INTO ${this.#q}.leases (job_id, fence) VALUES ($1, 0) ON CONFLICT DO NOTHING)
         ${upsert}`,
        params,
      );
      if (notify !== undefined) await this.#notify(notify);
      return;
    }
    if (atomicWith === undefined) {
      // One statement, one round trip: lock the lease row, write only if the fence is current.
      const { rows } = await this.pool.query<{ current: number | null; written: number }>(
        `WITH f AS (SELECT fence, expires_at FROM ${this.#q}.leases WHERE job_id = $1 FOR UPDATE),
              w AS (INSERT INTO ${this.#q}.jobs
                      (id, name, version, status, phase, percent, errors_count, error, input, created_at,
                       updated_at, checkpoint)
                    SELECT $1::text, $2::text, $3::integer, $4::text, $5::text, $6::float8, $7::integer,
                           $8::text, $9::bytea, $10::bigint, $10::bigint, $11::bytea
                     WHERE (SELECT fence FROM f WHERE expires_at IS NOT NULL) = $12::bigint
                    ON CONFLICT (id) DO UPDATE SET ${UPDATE_SET}
                    RETURNING 1)
         SELECT (SELECT fence::float8 FROM f) AS current, (SELECT count(*)::int FROM w) AS written`,
        [...params, opts.fence],
      );
      if (rows[0].written === 0) {
        throw new LeaseLostError(jobId, opts.fence!, currentOf(rows[0].current));
      }
      return;
    }
    await this.#transaction(async (client) => {
      if (opts.fence !== undefined) {
        const { rows } = await client.query<{ fence: number; held: boolean }>(
          `SELECT fence::float8 AS fence, expires_at IS NOT NULL AS held
             FROM ${this.#q}.leases WHERE job_id = $1 FOR UPDATE`,
          [jobId],
        );
        if (rows[0]?.fence !== opts.fence || !rows[0].held) {
          throw new LeaseLostError(jobId, opts.fence, currentOf(rows[0]?.fence ?? null));
        }
      } else {
        await client.query(
          `INSERT INTO ${this.#q}.leases (job_id, fence) VALUES ($1, 0) ON CONFLICT DO NOTHING`,
          [jobId],
        );
      }
      await atomicWith(client);
      await client.query(upsert, params);
      if (notify !== undefined) await client.query('SELECT pg_notify($1, $2)', [this.#channel, notify]);
    });
  }

  /** The job's checkpoint and record, or `undefined`. */
  async load(jobId: string): Promise<StoredJob | undefined> {
    const { rows } = await this.pool.query<JobRow>(
      `SELECT ${RECORD_COLUMNS}, checkpoint FROM ${this.#q}.jobs WHERE id = $1`,
      [jobId],
    );
    if (rows.length === 0) return undefined;
    return { id: jobId, bytes: new Uint8Array(rows[0].checkpoint!), record: toRecord(rows[0]) };
  }

  /** Records of stored jobs, newest `updatedAt` first, then by id. */
  async list(filter: ListFilter = {}): Promise<JobRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status !== undefined) {
      params.push(([] as JobStatus[]).concat(filter.status));
      where.push(`status = ANY($${params.length}::text[])`);
    }
    if (filter.name !== undefined) {
      params.push(filter.name);
      where.push(`name = $${params.length}`);
    }
    const { rows } = await this.pool.query<JobRow>(
      `SELECT ${RECORD_COLUMNS} FROM ${this.#q}.jobs` +
        (where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`) +
        ' ORDER BY updated_at DESC, id COLLATE "C"',
      params,
    );
    return rows.map(toRecord);
  }

  /**
   * Set the record's status, keeping the checkpoint and `updatedAt`. Setting `queued` wakes idle workers.
   * @throws {JobNotFoundError} when the store holds no such job.
   */
  async setStatus(jobId: string, status: JobStatus): Promise<void> {
    const { rowCount } = await this.pool.query(`UPDATE ${this.#q}.jobs SET status = $2 WHERE id = $1`, [
      jobId,
      status,
    ]);
    if (rowCount === 0) throw new JobNotFoundError(jobId);
    if (status === 'queued') await this.#notify(notifyPayload({ type: 'runnable', jobId }));
  }

  /** Remove the job and its lease; removing an unknown job does nothing. */
  async delete(jobId: string): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query(`DELETE FROM ${this.#q}.leases WHERE job_id = $1`, [jobId]);
      await client.query(`DELETE FROM ${this.#q}.jobs WHERE id = $1`, [jobId]);
    });
  }

  /**
   * Take the lease on `jobId`: granted when nobody holds it, its lease lapsed (database clock), or its owner
   * is a dead process on this host. The fence goes up by one.
   * @throws {JobLockedError} naming the live owner.
   */
  async acquire(jobId: string, owner: LeaseOwner, opts: AcquireOptions): Promise<Lease> {
    assertLeaseMs(opts.leaseMs);
    assertOwner(owner);
    for (;;) {
      const taken = await this.#take(jobId, owner, opts.leaseMs, 'lapsed');
      if (taken !== undefined) return taken;
      const holder = await this.#holder(jobId);
      if (holder === undefined) continue; // released in between: try again
      if (!isOwnerDead(holder)) throw new JobLockedError(jobId, holder);
      const forced = await this.#take(jobId, owner, opts.leaseMs, holder.fence);
      if (forced !== undefined) return forced;
    }
  }

  /**
   * Extend the lease by `leaseMs` from now (database clock) and report the pending control request.
   * @throws {LeaseLostError} when the fence moved on or the lease was released.
   */
  async renew(lease: Lease, opts: AcquireOptions): Promise<LeaseRenewal> {
    assertLeaseMs(opts.leaseMs);
    if (this.#doubtful.has(`${lease.jobId}\u0000${lease.fence}`)) {
      throw new LeaseLostError(lease.jobId, lease.fence, { cause: DOUBTFUL });
    }
    const { rows } = await this.pool.query<LeaseRow>(
      `UPDATE ${this.#q}.leases SET expires_at = ${nowAt(4)} + $3
        WHERE job_id = $1 AND fence = $2 AND expires_at IS NOT NULL
        RETURNING ${LEASE_COLUMNS}, request`,
      [lease.jobId, lease.fence, Math.round(opts.leaseMs), this.#now()],
    );
    if (rows.length === 0) {
      const holder = await this.#fence(lease.jobId);
      throw new LeaseLostError(lease.jobId, lease.fence, currentOf(holder));
    }
    return { lease: toLease(rows[0]), request: rows[0].request ?? null };
  }

  /**
   * The job's live holder, read only (see `SnapshotStore.holder`): an unexpired lease by the database's clock,
   * whose process, when it runs on this host, still exists.
   */
  async holder(jobId: string): Promise<Lease | undefined> {
    const lease = await this.#holder(jobId);
    if (lease && lease.host === hostname() && !pidExists(lease.pid)) return undefined;
    return lease;
  }

  /**
   * Give the lease up; the fence stays, so a late write under it is still refused. A job left queued or
   * running (stopped before its end) is runnable again at once, and idle workers are woken. Idempotent.
   */
  async release(lease: Lease): Promise<void> {
    const { rows } = await this.pool.query<{ status: JobStatus | null }>(
      `UPDATE ${this.#q}.leases l SET expires_at = NULL
        WHERE job_id = $1 AND fence = $2 AND expires_at IS NOT NULL
        RETURNING (SELECT status FROM ${this.#q}.jobs j WHERE j.id = l.job_id) AS status`,
      [lease.jobId, lease.fence],
    );
    const status = rows[0]?.status;
    if (status === 'queued' || status === 'running') {
      await this.#notify(notifyPayload({ type: 'runnable', jobId: lease.jobId }));
    }
  }

  /**
   * Ask the job's owner, wherever it runs, to pause or cancel: stored with the lease (seen at the owner's next
   * renewal) and announced by NOTIFY (seen at once by a subscribed worker). A request for a job nobody runs
   * yet waits for its first owner.
   */
  async requestControl(jobId: string, request: ControlRequest): Promise<void> {
    assertRequest(request);
    await this.#transaction(async (client) => {
      await client.query(
        `INSERT INTO ${this.#q}.leases (job_id, fence, request) VALUES ($1, 0, $2)
         ON CONFLICT (job_id) DO UPDATE SET request = excluded.request`,
        [jobId, request],
      );
      await client.query('SELECT pg_notify($1, $2)', [
        this.#channel,
        notifyPayload({ type: 'control', jobId, request }),
      ]);
    });
  }

  /** Withdraw the job's control request. */
  async clearRequest(jobId: string): Promise<void> {
    await this.pool.query(`UPDATE ${this.#q}.leases SET request = NULL WHERE job_id = $1`, [jobId]);
  }

  /**
   * Claim the oldest runnable job: `queued`, or `running` with no live lease (its worker died, stopped or
   * stalled past its lease). Rows other workers are claiming are skipped (`FOR UPDATE SKIP LOCKED`), so
   * workers never wait for each other; the claimed job's fence goes up by one.
   */
  async claim(
    owner: LeaseOwner,
    opts: AcquireOptions & { readonly names?: readonly string[] },
  ): Promise<Lease | undefined> {
    assertLeaseMs(opts.leaseMs);
    assertOwner(owner);
    // Lock order everywhere: the lease row, then the job row. Claim locks lease rows only.
    const { rows } = await this.pool.query<LeaseRow>(
      `WITH candidate AS (
         SELECT l.job_id FROM ${this.#q}.leases l
           JOIN ${this.#q}.jobs j ON j.id = l.job_id
          WHERE j.status IN ('queued', 'running')
            AND (l.expires_at IS NULL OR l.expires_at < ${nowAt(6)})
            AND ($5::text[] IS NULL OR j.name = ANY($5::text[]))
          ORDER BY j.updated_at, j.id
          LIMIT 1
          FOR UPDATE OF l SKIP LOCKED)
       UPDATE ${this.#q}.leases l SET fence = l.fence + 1, worker_id = $1, pid = $2, host = $3,
              acquired_at = ${nowAt(6)}, expires_at = ${nowAt(6)} + $4
         FROM candidate WHERE l.job_id = candidate.job_id
       RETURNING ${LEASE_COLUMNS.replace('job_id', 'l.job_id').replace('fence::', 'l.fence::')}`,
      [owner.workerId, owner.pid, owner.host, Math.round(opts.leaseMs), opts.names ?? null, this.#now()],
    );
    return rows.length === 0 ? undefined : toLease(rows[0]);
  }

  /**
   * Be told, over a dedicated LISTEN connection, when a job becomes runnable or gets a control request. The
   * returned function unsubscribes. Notifications can be missed while the connection is down: poll as well.
   */
  subscribe(listener: (event: StoreEvent) => void): Promise<() => void> {
    return this.#notifier.subscribe(listener);
  }

  /** The job's current lease, or `undefined` when nobody holds it (never acquired, released). */
  async lease(jobId: string): Promise<(Lease & { readonly request: ControlRequest | null }) | undefined> {
    const { rows } = await this.pool.query<LeaseRow>(
      `SELECT ${LEASE_COLUMNS}, request FROM ${this.#q}.leases WHERE job_id = $1 AND expires_at IS NOT NULL`,
      [jobId],
    );
    return rows.length === 0 ? undefined : { ...toLease(rows[0]), request: rows[0].request ?? null };
  }

  /** End the pool and the LISTEN connection. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#notifier.close();
    await this.pool.end();
  }

  /** Insert or take over the lease row: when it lapsed (`'lapsed'`) or still has the fence `fence`. */
  async #take(
    jobId: string,
    owner: LeaseOwner,
    leaseMs: number,
    when: 'lapsed' | number,
  ): Promise<Lease | undefined> {
    const condition =
      when === 'lapsed' ? `l.expires_at IS NULL OR l.expires_at < ${nowAt(6)}` : 'l.fence = $7';
    const { rows } = await this.pool.query<LeaseRow>(
      `INSERT INTO ${this.#q}.leases AS l (job_id, fence, worker_id, pid, host, acquired_at, expires_at)
       VALUES ($1, 1, $2, $3, $4, ${nowAt(6)}, ${nowAt(6)} + $5)
       ON CONFLICT (job_id) DO UPDATE SET fence = l.fence + 1, worker_id = excluded.worker_id,
         pid = excluded.pid, host = excluded.host, acquired_at = excluded.acquired_at,
         expires_at = excluded.expires_at
        WHERE ${condition}
       RETURNING ${LEASE_COLUMNS}`,
      [
        jobId,
        owner.workerId,
        owner.pid,
        owner.host,
        Math.round(leaseMs),
        this.#now(),
        ...(when === 'lapsed' ? [] : [when]),
      ],
    );
    return rows.length === 0 ? undefined : toLease(rows[0]);
  }

  async #holder(jobId: string): Promise<Lease | undefined> {
    const { rows } = await this.pool.query<LeaseRow>(
      `SELECT ${LEASE_COLUMNS} FROM ${this.#q}.leases
        WHERE job_id = $1 AND expires_at IS NOT NULL AND expires_at >= ${nowAt(2)}`,
      [jobId, this.#now()],
    );
    return rows.length === 0 ? undefined : toLease(rows[0]);
  }

  #now(): number | null {
    return this.#clock === undefined ? null : Math.round(this.#clock.now());
  }

  async #fence(jobId: string): Promise<number | null> {
    const { rows } = await this.pool.query<{ fence: number }>(
      `SELECT fence::float8 AS fence FROM ${this.#q}.leases WHERE job_id = $1`,
      [jobId],
    );
    return rows[0]?.fence ?? null;
  }

  async #notify(payload: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [this.#channel, payload]);
  }

  async #transaction<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A connection that could not even roll back (the server or network went away) is discarded, not reused.
    let broken: Error | undefined;
    // A connection lost while checked out emits 'error' on the client: without a listener that would crash
    // the process; the query in flight rejects anyway, so the caller learns of it there.
    const lost = (error: Error) => {
      broken = error;
    };
    client.on('error', lost);
    try {
      await client.query('BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }

  /** Migrate to this code's schema version, serialized across processes by an advisory lock. */
  async #migrate(): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`phasekit:migrate:${this.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.#q}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${this.#q}.meta (key text PRIMARY KEY, value text NOT NULL)`,
      );
      const { rows } = await client.query<{ value: string }>(
        `SELECT value FROM ${this.#q}.meta WHERE key = 'schema_version'`,
      );
      const found = rows.length === 0 ? 0 : Number(rows[0].value);
      if (found > POSTGRES_SCHEMA_VERSION) {
        throw new SchemaVersionError(found, POSTGRES_SCHEMA_VERSION, `PostgreSQL schema "${this.schema}"`);
      }
      for (let version = found; version < POSTGRES_SCHEMA_VERSION; version++) {
        await client.query(POSTGRES_MIGRATIONS[version].replaceAll('{schema}', this.#q));
      }
      if (found !== POSTGRES_SCHEMA_VERSION) {
        await client.query(
          `INSERT INTO ${this.#q}.meta (key, value) VALUES ('schema_version', $1)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          [String(POSTGRES_SCHEMA_VERSION)],
        );
      }
    });
  }
}

const DOUBTFUL = new Error(
  'an earlier write under this lease lost its connection and may not have committed',
);

/** True for errors that mean the connection to the server is gone (not an SQL error of the statement). */
function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    return code.startsWith('08') || code.startsWith('57P') || /^E[A-Z]+$/.test(code);
  }
  return (
    error instanceof Error &&
    /Connection terminated|connection error|Client was closed|not queryable/i.test(error.message)
  );
}

function currentOf(fence: number | null): { currentFence?: number } {
  return fence === null ? {} : { currentFence: fence };
}

function toLease(row: LeaseRow): Lease {
  return {
    jobId: row.job_id,
    workerId: row.worker_id,
    pid: row.pid,
    host: row.host,
    fence: row.fence,
    acquiredAt: row.acquired_at,
    expiresAt: row.expires_at,
  };
}

function toRecord(row: JobRow): JobRecord {
  const record: JobRecord = {
    id: row.id,
    name: row.name,
    version: row.version,
    status: row.status,
    phase: row.phase,
    percent: row.percent,
    errorsCount: row.errors_count,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  return row.input === null ? record : { ...record, input: decode(new Uint8Array(row.input)) };
}
