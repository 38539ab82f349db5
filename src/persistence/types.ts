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
   * checkpoint write inside one transaction on the same database; other stores run it just before the
   * write (no atomicity: they say so in `atomic: false`).
   */
  readonly atomicWith?: () => void;
}

/** Filter for `store.list()`. */
export interface ListFilter {
  readonly status?: JobStatus | readonly JobStatus[];
  readonly name?: string;
}

/** A lease on a job held by one worker (shared stores only). */
export interface Lease {
  readonly jobId: string;
  readonly workerId: string;
  readonly fence: number;
  readonly expiresAt: number;
}

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
  /** Claim a job to work on (shared stores only). */
  claim?(workerId: string, leaseMs: number): Promise<Lease | undefined>;
  /** Release handles (database connections). Idempotent. */
  close?(): Promise<void>;
}
