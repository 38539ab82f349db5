import { decode, encode } from '@msgpack/msgpack';
import Database from 'better-sqlite3';
import { JobNotFoundError } from '../JobNotFoundError.js';
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
import {
  acquireLease,
  assertHeld,
  assertRequest,
  type LeaseState,
  liveHolder,
  NO_LEASE,
  releaseLease,
  renewLease,
} from './leaseRules.js';
import { enableWal } from './enableWal.js';
import { runAtomicWith } from './runAtomicWith.js';
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION } from './sqliteMigrations.js';
import { type StatementCache, statementCache } from './statementCache.js';

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * How long a write waits for another connection's write lock before failing with `SQLITE_BUSY`, in ms.
   * Applies only to a database the store opens itself (configure a connection you pass in with
   * `db.pragma('busy_timeout = …')`). Default 5000.
   */
  readonly busyTimeoutMs?: number;
  /** The store's clock for lease times, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

interface LeaseRow {
  fence: number;
  worker_id: string | null;
  pid: number | null;
  host: string | null;
  acquired_at: number | null;
  expires_at: number | null;
  request: ControlRequest | null;
}

const SELECT_LEASE =
  'SELECT fence, worker_id, pid, host, acquired_at, expires_at, request FROM phasekit_leases WHERE job_id = ?';

const UPSERT_LEASE = `INSERT INTO phasekit_leases
    (job_id, fence, worker_id, pid, host, acquired_at, expires_at, request)
  VALUES (@job_id, @fence, @worker_id, @pid, @host, @acquired_at, @expires_at, @request)
  ON CONFLICT (job_id) DO UPDATE SET fence = excluded.fence, worker_id = excluded.worker_id,
    pid = excluded.pid, host = excluded.host, acquired_at = excluded.acquired_at,
    expires_at = excluded.expires_at, request = excluded.request`;

interface JobRow {
  id: string;
  name: string;
  version: number;
  status: JobStatus;
  phase: string | null;
  percent: number;
  errors_count: number;
  error: string | null;
  input: Uint8Array | null;
  created_at: number;
  updated_at: number;
  checkpoint?: Uint8Array;
}

const RECORD_COLUMNS =
  'id, name, version, status, phase, percent, errors_count, error, input, created_at, updated_at';

const UPSERT = `INSERT INTO phasekit_jobs (${RECORD_COLUMNS}, checkpoint)
  VALUES (@id, @name, @version, @status, @phase, @percent, @errors_count, @error, @input, @created_at,
          @updated_at, @checkpoint)
  ON CONFLICT (id) DO UPDATE SET name = excluded.name, version = excluded.version, status = excluded.status,
    phase = excluded.phase, percent = excluded.percent, errors_count = excluded.errors_count,
    error = excluded.error, input = excluded.input, updated_at = excluded.updated_at,
    checkpoint = excluded.checkpoint`;

/**
 * The embedded default store: jobs in a SQLite database (better-sqlite3), one row per job holding its record
 * and latest checkpoint.
 *
 * `atomic` is true: `save(..., { atomicWith })` runs `atomicWith()` and the checkpoint write in one
 * transaction on {@link SqliteStore.db}, so a job whose results go to the same database never loses or
 * repeats a batch after a kill. Open the store on the file and hand `store.db` to the library to share one
 * connection.
 *
 * One owner per job, across processes: `acquire` takes the job's lease in `phasekit_leases` (refused with
 * `JobLockedError` while a live owner holds it; an owner on this host whose pid is gone, or a lapsed lease, is
 * taken over), every acquisition increments the job's fence, and `save(..., { fence })` checks the fence,
 * runs `atomicWith` and writes the checkpoint in ONE transaction: a stale writer is refused with
 * `LeaseLostError` and none of its writes, the batch included, is committed.
 *
 * Every transaction that reads then writes (save, acquire, renew, release, requests) is `BEGIN IMMEDIATE`: it
 * takes the write lock before reading, so another connection's commit can never invalidate its read
 * (`SQLITE_BUSY_SNAPSHOT`, which no busy timeout covers). Waiting for the lock is covered by the busy timeout
 * (`busyTimeoutMs`); only a lock held longer than that gives `SQLITE_BUSY`, a transient error after which
 * nothing was written and the same call may simply be retried.
 *
 * The schema is versioned in `phasekit_meta`; opening a database whose schema is newer than this code throws
 * {@link SchemaVersionError}.
 *
 * @example
 * ```ts
 * const store = new SqliteStore('./phasekit.db');
 * const insert = store.db.prepare('INSERT INTO photos (path, hash) VALUES (?, ?)');
 * await store.save(jobId, bytes, meta, {
 *   atomicWith: () => batch.forEach((p) => insert.run(p.path, p.hash)),
 * });
 * ```
 */
export class SqliteStore implements SnapshotStore {
  readonly atomic = true;
  /** The connection the store writes through: share it to join the store's transactions. */
  readonly db: Database.Database;
  readonly #owned: boolean;
  /** The connection's one statement cache, shared with a library (or anything else) on the same connection. */
  readonly #statements: StatementCache;
  readonly #transaction: Database.Transaction<(task: () => unknown) => unknown>;
  readonly #now: () => number;

  /**
   * @param fileOrDatabase A database file path (`':memory:'` for a private in-memory one), opened and later
   *   closed by the store, or an open better-sqlite3 connection that stays the caller's to configure and
   *   close.
   */
  constructor(fileOrDatabase: string | Database.Database, options: SqliteStoreOptions = {}) {
    this.#owned = typeof fileOrDatabase === 'string';
    this.#now = options.now ?? Date.now;
    this.db =
      typeof fileOrDatabase === 'string'
        ? new Database(fileOrDatabase, { timeout: options.busyTimeoutMs ?? 5000 })
        : fileOrDatabase;
    try {
      if (this.#owned) {
        // WAL + synchronous=NORMAL: a commit reaches the WAL file (the OS cache) before it returns, so it
        // survives the process being killed at any instant, which is what resuming a job needs. Only an OS
        // crash or power loss can drop the last commits (never corrupt the file), and commits cost no fsync,
        // so frequent checkpoints stay cheap. FULL would fsync every commit for power-loss durability.
        enableWal(this.db, options.busyTimeoutMs ?? 5000);
        this.db.pragma('synchronous = NORMAL');
      }
      this.#migrate();
    } catch (error) {
      if (this.#owned) this.db.close();
      throw error;
    }
    this.#transaction = this.db.transaction((task: () => unknown) => task());
    this.#statements = statementCache(this.db);
  }

  /**
   * Replace the job's checkpoint and record, keeping `createdAt` from the first save. `opts.atomicWith` runs
   * in the same transaction: if it throws, nothing is written and its error propagates.
   * @throws {LeaseLostError} when `opts.fence` is given and is not the fence of the job's held lease; then
   *   `atomicWith` does not run and nothing is written.
   */
  async save(jobId: string, bytes: Uint8Array, meta: JobMeta, opts: SaveOptions = {}): Promise<void> {
    const row: JobRow = {
      id: jobId,
      name: meta.name,
      version: meta.version,
      status: meta.status,
      phase: meta.phase ?? null,
      percent: meta.percent,
      errors_count: meta.errorsCount,
      error: meta.error ?? null,
      input: meta.input === undefined ? null : encode(meta.input, { ignoreUndefined: true }),
      created_at: meta.updatedAt,
      updated_at: meta.updatedAt,
      checkpoint: bytes,
    };
    this.#immediately(() => {
      if (opts.fence !== undefined) assertHeld(jobId, opts.fence, this.#readLease(jobId));
      runAtomicWith(opts.atomicWith);
      this.#statement(UPSERT).run(row);
    });
  }

  /** The job's checkpoint and record, or `undefined`. */
  async load(jobId: string): Promise<StoredJob | undefined> {
    const row = this.#statement(`SELECT ${RECORD_COLUMNS}, checkpoint FROM phasekit_jobs WHERE id = ?`).get(
      jobId,
    ) as JobRow | undefined;
    if (row === undefined) return undefined;
    const blob = row.checkpoint!;
    return {
      id: jobId,
      bytes: new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength),
      record: toRecord(row),
    };
  }

  /** Records of stored jobs, newest `updatedAt` first, then by id. */
  async list(filter: ListFilter = {}): Promise<JobRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status !== undefined) {
      const statuses = ([] as JobStatus[]).concat(filter.status);
      where.push(`status IN (${statuses.map(() => '?').join(', ')})`);
      params.push(...statuses);
    }
    if (filter.name !== undefined) {
      where.push('name = ?');
      params.push(filter.name);
    }
    const sql =
      `SELECT ${RECORD_COLUMNS} FROM phasekit_jobs` +
      (where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`) +
      ' ORDER BY updated_at DESC, id';
    return (this.#statement(sql).all(...params) as JobRow[]).map(toRecord);
  }

  /**
   * Set the record's status, keeping the checkpoint and `updatedAt` (the time of the last checkpoint).
   * @throws {JobNotFoundError} when the store holds no such job.
   */
  async setStatus(jobId: string, status: JobStatus): Promise<void> {
    const { changes } = this.#statement('UPDATE phasekit_jobs SET status = ? WHERE id = ?').run(
      status,
      jobId,
    );
    if (changes === 0) throw new JobNotFoundError(jobId);
  }

  /** Remove the job; removing an unknown job does nothing. */
  async delete(jobId: string): Promise<void> {
    this.#statement('DELETE FROM phasekit_jobs WHERE id = ?').run(jobId);
  }

  /** Take the job's lease (see {@link SnapshotStore.acquire}); a live holder, this process included, refuses. */
  async acquire(jobId: string, owner: LeaseOwner, opts: AcquireOptions): Promise<Lease> {
    return this.#immediately(() => {
      const { lease, state } = acquireLease(
        jobId,
        this.#readLease(jobId) ?? NO_LEASE,
        owner,
        opts,
        this.#now(),
      );
      this.#writeLease(jobId, state);
      return lease;
    });
  }

  /** Extend the lease and report a pending request; throws `LeaseLostError` when it is no longer held. */
  async renew(lease: Lease, opts: AcquireOptions): Promise<LeaseRenewal> {
    return this.#immediately(() => {
      const current = this.#readLease(lease.jobId) ?? NO_LEASE;
      const { renewal, state } = renewLease(lease, current, opts, this.#now());
      this.#writeLease(lease.jobId, state);
      return renewal;
    });
  }

  /** The job's live holder, read only (see {@link SnapshotStore.holder}). */
  async holder(jobId: string): Promise<Lease | undefined> {
    return liveHolder(jobId, this.#readLease(jobId), this.#now());
  }

  /** Give the lease up, keeping the fence; a lease no longer held is left alone. */
  async release(lease: Lease): Promise<void> {
    this.#immediately(() => {
      const state = releaseLease(lease, this.#readLease(lease.jobId) ?? NO_LEASE);
      if (state !== undefined) this.#writeLease(lease.jobId, state);
    });
  }

  /** Record a pause or cancel request for the job's owner (in any process), replacing any earlier one. */
  async requestControl(jobId: string, request: ControlRequest): Promise<void> {
    assertRequest(request);
    this.#immediately(() => {
      this.#writeLease(jobId, { ...(this.#readLease(jobId) ?? NO_LEASE), request });
    });
  }

  /** Withdraw the job's pending request, if any. */
  async clearRequest(jobId: string): Promise<void> {
    this.#statement('UPDATE phasekit_leases SET request = NULL WHERE job_id = ?').run(jobId);
  }

  /** Close the connection if the store opened it; a connection passed in stays open. Idempotent. */
  async close(): Promise<void> {
    if (this.#owned && this.db.open) {
      this.#statements.clear();
      this.db.close();
    }
  }

  /** Run `task` in a `BEGIN IMMEDIATE` transaction (a savepoint when the connection is already in one). */
  #immediately<T>(task: () => T): T {
    return this.#transaction.immediate(task) as T;
  }

  #readLease(jobId: string): LeaseState | undefined {
    const row = this.#statement(SELECT_LEASE).get(jobId) as LeaseRow | undefined;
    if (row === undefined) return undefined;
    const holder =
      row.worker_id === null
        ? null
        : {
            workerId: row.worker_id,
            pid: row.pid!,
            host: row.host!,
            fence: row.fence,
            acquiredAt: row.acquired_at!,
            expiresAt: row.expires_at!,
          };
    return { fence: row.fence, holder, request: row.request };
  }

  #writeLease(jobId: string, state: LeaseState): void {
    const { holder } = state;
    this.#statement(UPSERT_LEASE).run({
      job_id: jobId,
      fence: state.fence,
      worker_id: holder?.workerId ?? null,
      pid: holder?.pid ?? null,
      host: holder?.host ?? null,
      acquired_at: holder?.acquiredAt ?? null,
      expires_at: holder?.expiresAt ?? null,
      request: state.request,
    });
  }

  #statement(sql: string): Database.Statement {
    return this.#statements.get(sql);
  }

  /** Migrate to this code's schema version in one IMMEDIATE transaction: two processes never both migrate. */
  #migrate(): void {
    this.db
      .transaction(() => {
        this.db.exec('CREATE TABLE IF NOT EXISTS phasekit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
        const row = this.db.prepare("SELECT value FROM phasekit_meta WHERE key = 'schema_version'").get() as
          | { value: string }
          | undefined;
        const found = row === undefined ? 0 : Number(row.value);
        if (found > SQLITE_SCHEMA_VERSION)
          throw new SchemaVersionError(found, SQLITE_SCHEMA_VERSION, this.db.name);
        for (let version = found; version < SQLITE_SCHEMA_VERSION; version++)
          this.db.exec(SQLITE_MIGRATIONS[version]);
        if (found !== SQLITE_SCHEMA_VERSION) {
          this.db
            .prepare("INSERT OR REPLACE INTO phasekit_meta (key, value) VALUES ('schema_version', ?)")
            .run(String(SQLITE_SCHEMA_VERSION));
        }
      })
      .immediate();
  }
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
  return row.input === null ? record : { ...record, input: decode(asPlainBytes(row.input)) };
}

/** A plain `Uint8Array` view of a `Buffer` blob: binary values then decode as `Uint8Array`, not `Buffer`. */
function asPlainBytes(blob: Uint8Array): Uint8Array {
  return new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
}
