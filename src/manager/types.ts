import type { Observable } from '../adapters/rx.js';
import type { JobEvent, JobProgress } from '../machines/JobProgress.js';
import type { JobResult, JobRun } from '../machines/JobRun.js';
import type { RunOptions } from '../machines/runJob.js';
import type { JobRecord, JobStatus, SnapshotStore } from '../persistence/types.js';
import type { JobDefinition } from '../phases/defineJob.js';
import type { Clock, Logger } from '../phases/types.js';

/** Options of {@link createJobManager}. */
export interface JobManagerOptions<D = unknown> {
  /**
   * Where every job's checkpoints and records live, queued jobs included. A store is meant to have one job
   * manager running its jobs at a time: `resumeInterrupted()` takes a stored `running` job to be one whose
   * process died.
   */
  readonly store: SnapshotStore;
  /** Job definitions to register now; more can be added with `register`. Names must be unique. */
  readonly jobs?: readonly JobDefinition<any, any, D, any>[];
  /** Handed to every phase of every job as `ctx.deps`. */
  readonly deps?: D;
  /** How many jobs run at once; the rest wait in a FIFO queue. A positive integer, default 1. */
  readonly concurrency?: number;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Receives the jobs' log lines and the manager's own (a job that failed to start, say). */
  readonly logger?: Logger;
  /** Passed to every `runJob` and `resumeJob` the manager makes. */
  readonly runOptions?: Pick<
    RunOptions<D>,
    'minCheckpointIntervalMs' | 'boundaryCheckpoints' | 'progressIntervalMs' | 'inspect' | 'owner' | 'leaseMs'
  >;
}

/** Options of `dispatch`. */
export interface DispatchOptions {
  /** Id for the new job. Default: a random UUID. An id the store already holds is refused. */
  readonly jobId?: string;
}

/** Options of `shutdown`. */
export interface ShutdownOptions {
  /**
   * True (the default): pause every running job at its next interrupt check and resolve once each has
   * written its pause checkpoint. False: let the running jobs finish and resolve once they have ended.
   */
  readonly pause?: boolean;
  /**
   * With `pause`, mark the paused jobs `queued` in the store, so the next process's `resumeInterrupted()`
   * continues them (a restart rather than a user's pause). Default false: they stay `paused` until resumed.
   */
  readonly requeue?: boolean;
}

/** A stored job as the manager lists it: the store's record, with a live run's progress merged in. */
export interface ManagedJobRecord extends JobRecord {
  /** True when this manager holds the job: queued here, or running or paused in this process. */
  readonly live: boolean;
  /** The latest progress report of a job running here, else `null`. */
  readonly progress: JobProgress | null;
}

/** What `get(id)` returns. */
export interface ManagedJob {
  readonly record: ManagedJobRecord;
  /** The job's run when it is running or paused in this process, else `null`. */
  readonly run: JobRun | null;
}

/** One stored job found by `resumeInterrupted()`. */
export interface InterruptedJob {
  readonly id: string;
  /** The job definition's name, as stored. */
  readonly name: string;
  /** Its status in the store when found. */
  readonly was: Extract<JobStatus, 'running' | 'queued'>;
  /**
   * Why it was left where it is (an `UnknownJobError` for a job no registered definition has, a
   * `JobVersionError` or `SnapshotCorruptError` for a checkpoint that cannot be read), or `null` when it was
   * started or queued.
   */
  readonly error: Error | null;
}

/** Filter of `list()`. */
export interface ManagedListFilter {
  /** Only jobs with one of these statuses (as the manager sees them: a live job's own status wins). */
  readonly status?: JobStatus | readonly JobStatus[];
  /** Only jobs of this job definition. */
  readonly name?: string;
}

/**
 * Runs jobs in this process from a registry of job definitions: a FIFO queue honouring a concurrency limit,
 * every queued job persisted so a restart loses none, control by id, and one stream of all jobs' events.
 * Made by {@link createJobManager}.
 */
export interface JobManager<D = unknown> {
  /** Merged lifecycle events of every job this manager runs (each carries its `jobId`). */
  readonly events$: Observable<JobEvent>;
  /** Merged progress reports of every job this manager runs (each carries its `jobId`). */
  readonly progress$: Observable<JobProgress>;

  /**
   * Register a job definition, so jobs can be dispatched by name and stored jobs of it resumed.
   * @throws {DuplicateJobNameError} when a different definition has the name.
   */
  register(definition: JobDefinition<any, any, D, any>): void;

  /**
   * Submit a job. Its checkpoint is saved at once with status `queued` (no machine yet), then it starts if
   * fewer than `concurrency` jobs run, else it waits its turn, first in first out. Resolves with the job id
   * once the job is in the store. A definition not yet registered is registered.
   *
   * @throws {UnknownJobError} for a name no registered definition has.
   * @throws {JobExistsError} when `options.jobId` is taken.
   * @throws {JobManagerClosedError} after `shutdown`.
   * @throws {SnapshotEncodeError} when the input or initial state cannot be kept in a checkpoint.
   */
  dispatch<I>(
    definition: JobDefinition<any, I, D, any>,
    input: I,
    options?: DispatchOptions,
  ): Promise<string>;
  dispatch(name: string, input: unknown, options?: DispatchOptions): Promise<string>;

  /** The store's records, newest first, with the status and progress of jobs live here merged in. */
  list(filter?: ManagedListFilter): Promise<ManagedJobRecord[]>;

  /** One job's record, and its run if it is running or paused here; `undefined` for an unknown id. */
  get(id: string): Promise<ManagedJob | undefined>;

  /**
   * Pause a job. A running one stops at its next interrupt check; this resolves once it is paused and
   * checkpointed, and its slot goes to the next queued job. A queued or interrupted one is marked `paused` in
   * the store and leaves the queue. A paused or finished one is left as it is.
   * @throws {JobNotFoundError} for an unknown id.
   */
  pause(id: string): Promise<void>;

  /**
   * Put a paused (or interrupted, or stored queued) job back in the queue; it continues from its checkpoint
   * when a slot is free. A job paused elsewhere is restored with `resumeJob`. Resolves once the job is running
   * or queued (marked `queued` in the store). A running or finished job is left as it is.
   * @throws {JobNotFoundError} for an unknown id.
   * @throws {UnknownJobError} when its definition is not registered.
   * @throws {JobManagerClosedError} after `shutdown`.
   */
  resume(id: string): Promise<void>;

  /**
   * Cancel a job and resolve with its result. A running job's `signal` aborts, its phase's `onFailure` runs as
   * cleanup and it ends `cancelled`. A paused or interrupted job is restored with `resumeJob(..., { resume:
   * false })` and cancelled the same way. A job that never started is only marked `cancelled`: no phase of it
   * runs. A finished job is left as it is.
   * @throws {JobNotFoundError} for an unknown id.
   * @throws {UnknownJobError} when a stored job's definition is not registered.
   */
  cancel(id: string): Promise<JobResult>;

  /**
   * The run of job `id` in this process: at once when it runs or is paused here, else when it next starts here
   * (its turn in the queue came). Ask before `dispatch`/`resume` returns to see the start whatever happens
   * meanwhile: e.g. `const run = manager.started(id); await manager.resume(id); await run`. What a caller shows
   * of a job (progress, Ctrl-C to pause) hangs on this run.
   *
   * Rejects with the error that kept the job from starting (`JobLockedError` when another live process runs
   * it, `JobMismatchError` for a checkpoint its definition cannot restore), and with `JobManagerClosedError`
   * when the manager shuts down first.
   */
  started<O = unknown>(id: string): Promise<JobRun<O>>;

  /**
   * The job's result: at once for a finished job, else when it finishes in this manager. Rejected with
   * `JobManagerClosedError` if the manager shuts down first.
   * @throws {JobNotFoundError} for an unknown id.
   */
  result<O = unknown>(id: string): Promise<JobResult<O>>;

  /**
   * At start-up: start or queue every stored job whose status is `running` (its process died) or `queued`,
   * the running ones first, each group oldest first, ahead of anything dispatched here. The concurrency limit
   * holds. Jobs that cannot be resumed (no registered definition, an unreadable checkpoint) are reported with
   * their error and left in the store; the others go on.
   * @throws {JobManagerClosedError} after `shutdown`.
   */
  resumeInterrupted(): Promise<InterruptedJob[]>;

  /** Resolves once no job runs and none waits in the queue (paused jobs do not count). */
  drain(): Promise<void>;

  /**
   * Stop: start nothing more, then pause the running jobs (default) or let them finish. Queued jobs stay
   * queued in the store for the next process. Resolves when that is done; then `events$` and `progress$`
   * complete and results still pending here are rejected with `JobManagerClosedError`.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
}
