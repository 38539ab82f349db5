/**
 * The phase contract: what a job author writes, and what the runtime hands a phase while it runs.
 * Nothing here performs I/O or reads the time; time comes from an injected {@link Clock}.
 */
import type { PhaseError } from './PhaseError.js';

/** Go on to the next enabled phase: the type of {@link Continue}. */
export interface ContinueOutput {
  readonly kind: 'continue';
}

/** Finish the job now: the type of {@link Complete}. */
export interface CompleteOutput {
  readonly kind: 'complete';
}

/** Jump forward to phase `T`: what `skipTo(T)` returns. */
export interface SkipToOutput<T extends string = string> {
  readonly kind: 'skipTo';
  readonly phase: T;
}

/**
 * What a phase tells the job to do next. Build with {@link Continue}, {@link Complete} or `skipTo()`. `K` is
 * the phase's declared SkipTo targets, so `skipTo('reprot')` in a phase that declared `skipsTo: ['report']`
 * does not compile.
 */
export type PhaseOutput<K extends string = string> = ContinueOutput | CompleteOutput | SkipToOutput<K>;

/** Backoff between retries, as a pure function of the attempt number (1 = the first retry). */
export interface Backoff {
  /** Delay before the first retry, in ms. Default 1000. */
  readonly initialMs?: number;
  /** Multiplier per attempt. Default 2. */
  readonly factor?: number;
  /** Upper bound of one delay, in ms. Default 60 000. */
  readonly maxMs?: number;
}

/** What happens when a phase throws a fatal error. Default `{ strategy: 'abort' }`. */
export type RecoveryPolicy =
  | { readonly strategy: 'abort' }
  | {
      readonly strategy: 'restart-phase' | 'retry-from-checkpoint';
      /** Total attempts including the first. */
      readonly maxAttempts: number;
      readonly backoff?: Backoff;
    }
  | { readonly strategy: 'skip-phase' };

/** A source of time. The runtime's only way to read the clock or wait. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Where a phase's log lines go. */
export interface Logger {
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
}

/** A serializable record of one error, as kept in history and checkpoints. */
export interface ErrorRecord {
  readonly kind: 'fatal' | 'nonFatal' | 'paused' | 'cancelled';
  readonly name: string;
  readonly message: string;
  readonly phase: string | null;
  /** Epoch ms from the runtime's clock. */
  readonly at: number;
  /** Optional structured details (e.g. `{ path, code }`). Must be MessagePack-able. */
  readonly details?: Record<string, unknown>;
}

/** Status of one phase in the job's history. */
export type PhaseStatus = 'pending' | 'running' | 'completed' | 'skipped' | 'failed' | 'paused';

/** One phase's entry in the job's history. */
export interface PhaseExecution {
  readonly phase: string;
  readonly status: PhaseStatus;
  readonly startedAt: number | null;
  readonly completedAt: number | null;
  readonly attempts: number;
  readonly error: ErrorRecord | null;
}

/** A progress report from inside a phase. */
export interface ProgressUpdate {
  readonly message?: string;
  /** Percent of this phase, 0..100. Derived from completed/total when omitted. */
  readonly percent?: number;
  readonly completed?: number;
  readonly total?: number;
  readonly bytesCompleted?: number;
  readonly bytesTotal?: number;
}

/** Options of `ctx.checkpoint()`. */
export interface CheckpointOptions {
  /** Write even if the last checkpoint is younger than `minIntervalMs`. */
  readonly force?: boolean;
  /**
   * Writes to commit in the same transaction as the checkpoint (SqliteStore on the same database: synchronous;
   * PostgresStore: may be async and gets the transaction's `pg` client as `tx`).
   * A checkpoint with `atomicWith` is never throttled: the writes always happen.
   */
  readonly atomicWith?: (tx: any) => unknown;
}

/** Counts a unit of atomic work inside a phase; drives progress and ETA. */
export interface AtomicOperation {
  readonly name: string;
  readonly total: number;
  /** Add `n` (default 1) completed units. */
  increment(n?: number): void;
  /** Completed units so far. */
  progress(): number;
}

/** What a running phase is given. */
export interface PhaseContext<S, I = unknown, D = unknown> {
  /** The job's mutable, serializable state, shared by all its phases and saved in every checkpoint. */
  state: S;
  readonly input: Readonly<I>;
  readonly deps: D;
  readonly jobId: string;
  readonly phaseName: string;
  /** Attempt number of this phase, 1 on the first run. */
  readonly attempt: number;
  /** Aborted when the job is cancelled. */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  /** Throws `PausedError` or `CancelledError` when a pause or cancel has been asked for. Cheap: call often. */
  checkInterrupt(): void;
  /** Save a checkpoint of the machine and `state`. Throttled by `minIntervalMs` unless forced. */
  checkpoint(opts?: CheckpointOptions): Promise<void>;
  log(message: string, fields?: Record<string, unknown>): void;
  logError(message: string, fields?: Record<string, unknown>): void;
  /** Record an error that does not stop the job (e.g. one unreadable file). */
  addNonFatalError(error: unknown, details?: Record<string, unknown>): void;
  /** Non-fatal errors recorded so far in this job. */
  readonly errors: readonly ErrorRecord[];
  reportProgress(update: ProgressUpdate): void;
  /** Report `completed` of `total` atomic units done in this phase. Cheap enough for a hot loop. */
  atomicOperationComplete(completed: number, total: number): void;
  /** A counter of atomic units for this phase. */
  atomic(name: string, total: number): AtomicOperation;
}

/**
 * One phase of a job. Build with `phase()`, or with the `phase` a job hands to `defineJob({ phases: (phase) =>
 * [...] })`, which types `ctx` from the job. `K` is the union of its declared SkipTo targets: `execute` may return
 * `skipTo(k)` only for those.
 */
export interface Phase<S = any, I = any, D = any, K extends string = string> {
  /** `/^[a-z][a-zA-Z0-9_-]*$/`, unique in the job: it becomes a state id. */
  readonly name: string;
  /** Declared SkipTo targets: each becomes a visible edge. */
  readonly skipsTo?: readonly K[];
  /** Conditional phase: when false the phase is recorded `skipped`. Pure function of the job input. */
  readonly when?: (input: I) => boolean;
  readonly recovery?: RecoveryPolicy;
  /** Share of overall job progress. Default 1. */
  readonly weight?: number;
  // NoInfer: the targets are read from `skipsTo` alone, so a target `execute` returns is checked against them.
  execute(ctx: PhaseContext<S, I, D>): Promise<PhaseOutput<NoInfer<K>>>;
  onSuccess?(ctx: PhaseContext<S, I, D>): Promise<void>;
  /** Runs on a fatal failure and, as cleanup, on cancel. */
  onFailure?(ctx: PhaseContext<S, I, D>, error: PhaseError): Promise<void>;
}

/** A named group of phases: a compound state in the machine. */
export interface PhaseGroup<S = any, I = any, D = any> {
  readonly kind: 'group';
  readonly name: string;
  readonly phases: readonly PhaseNode<S, I, D>[];
}

/** A phase or a group of phases. */
export type PhaseNode<S = any, I = any, D = any> = Phase<S, I, D> | PhaseGroup<S, I, D>;

/** Where a checkpoint stands: the phase (null once past the last phase) and the step inside it. */
export interface CheckpointPosition {
  readonly phase: string | null;
  /** `running`, `paused`, `retrying`, … (read only: a moved job always restarts its phase from `paused`). */
  readonly step?: string;
}

/** What a {@link SnapshotMigration} is given: the checkpoint as the older job version wrote it. */
export interface MigratingCheckpoint {
  state: unknown;
  /** XState's persisted snapshot. Leave it alone: move the job with `position`, never by editing this. */
  machine: unknown;
  /** One entry per phase, by name. Rename entries here when a phase is renamed. */
  history: PhaseExecution[];
  errors: ErrorRecord[];
  /** The phases of the version that wrote the checkpoint, in order. */
  readonly phases: readonly string[];
  /** Where the job stands. Return another `position` to move it (e.g. when its phase was renamed or removed). */
  position: CheckpointPosition;
}

/**
 * Upgrades a checkpoint written by job version `from` to version `from + 1`. It returns the state in the new
 * shape, the history (renamed entries kept by their new names; phases new in this version may be left out —
 * they start pending), and optionally a new `position`. When the phase list changed, the job restarts its
 * current phase from its checkpointed state (as after a pause), so phases keep cursors in `state`.
 *
 * @example
 * // v2 renamed `scan` to `discover` and added `verify` after it.
 * migrations: { 1: (c) => renamePhase(c, 'scan', 'discover') }
 */
export type SnapshotMigration = (checkpoint: MigratingCheckpoint) => {
  state: unknown;
  machine: unknown;
  history: PhaseExecution[];
  errors: ErrorRecord[];
  position?: CheckpointPosition;
};

/** A declaration of the dependencies a job needs: build it with `depsType<D>()`. It holds no value. */
export interface DepsType<D> {
  readonly kind: 'deps';
  /** Never set: only carries `D` for the compiler. */
  readonly type?: (deps: D) => D;
}

/** A phase with `andThen` for building an ordered list fluently. */
export type ChainablePhase<S, I, D, K extends string = string> = Phase<S, I, D, K> & {
  /**
   * The ordered list `[this, next]`. Named `andThen`, not `then`: an object with a `then` method is a
   * thenable, and `await`ing or returning it from an async function would call it.
   */
  andThen(next: PhaseNode<S, I, D>): PhaseChain<S, I, D>;
};

/** An ordered list of phases that can be extended with `andThen`. */
export type PhaseChain<S, I, D> = readonly PhaseNode<S, I, D>[] & {
  andThen(next: PhaseNode<S, I, D>): PhaseChain<S, I, D>;
};

/**
 * The `phase` a job hands to its `phases` function: `phase()` with the job's state, input and deps bound, so a
 * phase's `ctx` needs no annotation. SkipTo targets are checked: a phase that declares no `skipsTo` cannot
 * return `skipTo()` at all.
 */
export type JobPhaseFactory<S, I, D> = <const K extends string = never>(
  definition: Phase<S, I, D, K>,
) => ChainablePhase<S, I, D, NoInfer<K>>;

/** What `defineJob` takes. */
export interface JobConfig<S, I, D, O> {
  readonly name: string;
  /** Integer version of the job's state shape; bump it and add a migration when `S` changes. */
  readonly version: number;
  /**
   * The phases and groups in run order: a list, or a function of the job's typed `phase` factory that returns
   * one (then every phase's `ctx` is typed from `initialState`, its input and `deps` with no annotation).
   */
  readonly phases:
    | readonly PhaseNode<S, I, D>[]
    | ((phase: JobPhaseFactory<S, I, D>) => readonly PhaseNode<S, I, D>[]);
  /** The state a new run starts from. Annotate its parameter (`(input: MyInput) => …`) to type the input. */
  readonly initialState: (input: I) => S;
  /**
   * The dependencies every phase gets as `ctx.deps`: `deps: depsType<{ library: Library }>()`. Declared, a job's
   * `runJob`/`resumeJob`/`provideRuntime` calls do not compile without `deps`.
   */
  readonly deps?: DepsType<D>;
  readonly output?: (state: S, input: I) => O;
  /** Migrations keyed by the version they upgrade from. */
  readonly migrations?: Readonly<Record<number, SnapshotMigration>>;
}
