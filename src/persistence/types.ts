/**
 * The port between the runtime and wherever checkpoints live.
 *
 * A store keeps one checkpoint per job (the latest) plus a small record used for listing. Checkpoint bytes
 * are opaque to the store: they are a phasekit envelope produced by `encodeEnvelope`.
 */

/** Where a job stands, as the store records it. */
export type JobStatus = 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';

/** The listing side of a stored job: what `phasekit jobs` shows without decoding the checkpoint. */
export interface JobMeta {
  /** Job definition name, e.g. `indexer`. */
  readonly name: string;
  /** Job definition version the checkpoint was written by. */
  readonly version: number;
  readonly status: JobStatus;
  /** Name of the phase the job is in (or ended in). */
  readonly phase: string | null;
  /** Overall progress, 0..100. */
  readonly percent: number;
  readonly errorsCount: number;
  /** Message of the error that failed the job, if it failed. */
  readonly error?: string | null;
  /** The job's input, kept so `phasekit jobs` can say what a job works on. Must be MessagePack/JSON-able. */
  readonly input?: unknown;
  /** Epoch milliseconds from the runtime's clock. */
  readonly updatedAt: number;
}

/** A row of `store.list()`. */
export interface JobRecord extends JobMeta {
  readonly id: string;
  /** Epoch milliseconds when the job was first saved. */
  readonly createdAt: number;
}

/** What `store.load()` returns. */
export interface StoredJob {
  readonly id: string;
  readonly bytes: Uint8Array;
  readonly record: JobRecord;
}

/** Options for one `save`. */
export interface SaveOptions {
  /**
   * Fencing token of the lease under which the caller writes (shared stores only). A store that supports
   * leases rejects a write whose fence is older than the job's current one with `LeaseLostError`.
   */
  readonly fence?: number;
  /**
   * Caller's own writes to commit together with the checkpoint. `SqliteStore` runs this function and the
   * checkpoint write inside one transaction on the same database (it must be synchronous there: an async one is
   * refused); `PostgresStore` passes the transaction's `pg` client as `tx` and awaits the result; other stores
   * run it just before the write (no atomicity: they say so in `atomic: false`).
   */
  readonly atomicWith?: (tx: any) => unknown;
}

/** Filter for `store.list()`. */
export interface ListFilter {
  readonly status?: JobStatus | readonly JobStatus[];
  readonly name?: string;
}

/** Who runs a job: written into its lease so a refused second runner can be told who holds it. */
export interface LeaseOwner {
  /** Stable id of the worker or process, e.g. `host:pid:random`. */
  readonly workerId: string;
  /** Process id of the owner. */
  readonly pid: number;
  /** Host name of the owner (`os.hostname()`); an owner on this host whose pid is gone is dead. */
  readonly host: string;
}

/**
 * The right to run one job, held by one owner at a time (SQLite, file and PostgreSQL stores; the memory store
 * within its process). Every acquisition increments the job's fencing token `fence`; every checkpoint write
 * carries it, and a store refuses a write whose fence is not the job's current one (`LeaseLostError`).
 */
export interface Lease extends LeaseOwner {
  readonly jobId: string;
  /** The fencing token: strictly greater than every earlier lease's on this job. */
  readonly fence: number;
  /** Epoch ms (the store's clock) when this owner took the job. */
  readonly acquiredAt: number;
  /** Epoch ms (the store's clock) after which the lease lapses unless renewed. */
  readonly expiresAt: number;
}

/** A control request for a job, made through its store so it reaches the job in whichever process runs it. */
export type ControlRequest = 'pause' | 'cancel';

/** What a renewal reports back: the renewed lease and any control request waiting for the job. */
export interface LeaseRenewal {
  readonly lease: Lease;
  readonly request: ControlRequest | null;
}

/** Options of {@link SnapshotStore.acquire}. */
export interface AcquireOptions {
  /** How long the lease lasts without a renewal, in ms. */
  readonly leaseMs: number;
}

/** The port every checkpoint store implements. */
/** The port every checkpoint store implements. */
export interface SnapshotStore {
  /** True when `atomicWith` commits in the same transaction as the checkpoint. */
  readonly atomic: boolean;
  /** Save (replace) the job's checkpoint and record, atomically: a reader sees the old or the new, never a mix. */
  save(jobId: string, bytes: Uint8Array, meta: JobMeta, opts?: SaveOptions): Promise<void>;
  /** The job's latest checkpoint, or `undefined` when the store has none. */
  load(jobId: string): Promise<StoredJob | undefined>;
  /** Records of stored jobs, newest first. */
  list(filter?: ListFilter): Promise<JobRecord[]>;
  /** Update only the record's status fields (pause/cancel requests, queue state) without a new checkpoint. */
  setStatus?(jobId: string, status: JobStatus): Promise<void>;
  /** Remove a job and its checkpoint. */
  delete?(jobId: string): Promise<void>;
  /**
   * Take the one-owner lease on `jobId` (the job need not be saved yet). A lease held by a live owner is
   * refused with `JobLockedError` naming it; a lease whose owner died (a pid gone on this host) or that lapsed
   * is taken over. The returned lease's `fence` is strictly greater than any before it on this job.
   */
  acquire?(jobId: string, owner: LeaseOwner, opts: AcquireOptions): Promise<Lease>;
  /**
   * Extend the lease by `opts.leaseMs` from now and report a pending control request.
   * @throws {LeaseLostError} when the lease is no longer this owner's (the fence moved on).
   */
  renew?(lease: Lease, opts: AcquireOptions): Promise<LeaseRenewal>;
  /**
   * Who holds the job now, read only: the live holder's lease, or `undefined` when nobody does (never taken,
   * released, lapsed, or its process on this host is gone). No fence moves: a check, not an acquisition.
   */
  holder?(jobId: string): Promise<Lease | undefined>;
  /** Give the lease up (the fence stays, so a late write under it is still refused). Idempotent. */
  release?(lease: Lease): Promise<void>;
  /**
   * Ask the job's owner, wherever it runs, to pause or cancel; seen at its next renewal. A request stays until
   * the job reaches a state that satisfies it (then `clearRequest`), or is replaced by another.
   */
  requestControl?(jobId: string, request: ControlRequest): Promise<void>;
  /** Withdraw a control request (the owner does this once it has honoured it). */
  clearRequest?(jobId: string): Promise<void>;
  /** Claim a runnable job to work on (queued, interrupted, or whose lease lapsed): shared stores only. */
  claim?(
    owner: LeaseOwner,
    opts: AcquireOptions & { readonly names?: readonly string[] },
  ): Promise<Lease | undefined>;
  /** Release handles (database connections). Idempotent. */
  close?(): Promise<void>;
}
