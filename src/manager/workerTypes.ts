import type { Observable } from '../adapters/rx.js';
import type { RunOptions } from '../machines/runJob.js';
import type { ControlRequest, SnapshotStore } from '../persistence/types.js';
import type { JobDefinition } from '../phases/defineJob.js';
import type { Clock, Logger } from '../phases/types.js';

/** A store that announces runnable jobs and control requests (`PostgresStore.subscribe`). */
export interface NotifyingStore {
  subscribe(
    listener: (
      event:
        | { readonly type: 'runnable'; readonly jobId: string }
        | { readonly type: 'control'; readonly jobId: string; readonly request: ControlRequest },
    ) => void,
  ): Promise<() => void>;
}

/** Options of {@link createWorker}. */
export interface WorkerOptions<D = unknown> {
  /** A shared store with `claim` (PostgreSQL). Workers on any number of machines may share it. */
  readonly store: SnapshotStore;
  /** The job definitions this worker runs; it claims only jobs with these names. */
  readonly jobs: readonly JobDefinition<any, any, D, any>[];
  /** How many jobs this worker runs at once. A positive integer, default 1. */
  readonly concurrency?: number;
  /** Written into every lease it takes. Default `host:pid:random`. */
  readonly workerId?: string;
  /** Lease length: a worker that dies loses its jobs to others this long after its last renewal. Default 30 000. */
  readonly leaseMs?: number;
  /** How often an idle worker looks for work when no notification came. Default 1000. */
  readonly pollMs?: number;
  /** Handed to every phase as `ctx.deps`. */
  readonly deps?: D;
  /** Deps per job definition, when its jobs need different ones; takes precedence over `deps`. */
  readonly depsFor?: (definition: JobDefinition<any, any, D, any>) => D;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Passed to every `resumeJob` the worker makes. */
  readonly runOptions?: Pick<
    RunOptions<D>,
    'minCheckpointIntervalMs' | 'boundaryCheckpoints' | 'progressIntervalMs'
  >;
}

/** What a worker reports on `events$`. */
export type WorkerEvent =
  /** The worker took a job, under the lease with fencing token `fence`. */
  | { readonly type: 'claimed'; readonly jobId: string; readonly name: string; readonly fence: number }
  /** A job this worker ran ended. */
  | {
      readonly type: 'completed' | 'failed' | 'cancelled';
      readonly jobId: string;
      readonly fence: number;
    }
  /** A job paused (a pause request, or the worker stopping) and gave its lease up. */
  | { readonly type: 'paused'; readonly jobId: string; readonly fence: number; readonly requeued: boolean }
  /**
   * The job's lease went to another worker (this one stalled or lost its connection past the lease): the run
   * stopped at once and wrote nothing more.
   */
  | { readonly type: 'lease-lost'; readonly jobId: string; readonly fence: number }
  /** The run stopped without ending (the worker was stopped hard); the job is runnable again. */
  | { readonly type: 'stopped'; readonly jobId: string; readonly fence: number }
  /** Something failed: claiming, starting a job (`jobId` set), or the notification connection. */
  | { readonly type: 'error'; readonly jobId?: string; readonly error: Error };

/** A running worker: see {@link createWorker}. */
export interface Worker {
  readonly workerId: string;
  /** Everything the worker does, as it happens. */
  readonly events$: Observable<WorkerEvent>;
  /** Ids of the jobs running here now. */
  readonly running: () => readonly string[];
  /**
   * Stop gracefully: claim nothing more; every running job pauses at its next `checkInterrupt()` or boundary,
   * writes its checkpoint, gives its lease up and goes back to the queue (`queued`), so another worker takes
   * it at once instead of waiting out the lease. A job that has not paused within `graceMs` (default 10 000)
   * is stopped where it is and resumes from its last checkpoint. Resolves when nothing runs here any more.
   */
  stop(options?: { readonly graceMs?: number }): Promise<void>;
}
