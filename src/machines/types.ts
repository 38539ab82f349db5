import type { ErrorRecord, PhaseExecution, PhaseOutput } from '../phases/types.js';

/** What the job machine is started with: the run's id and the job's input `I`. */
export interface JobMachineInput<I = unknown> {
  readonly jobId: string;
  readonly input: I;
  /** Epoch ms of the start, from the runtime's clock (the machine never reads the time). */
  readonly now?: number;
}

/** Where a pause or cancel request stands. */
export type Interrupt = 'pause' | 'cancel' | null;

/**
 * The job machine's context: everything here is persisted in each checkpoint. The job's state `S` is not here:
 * the runtime holds it (`run.state`) and writes it beside the machine in each checkpoint.
 */
export interface JobMachineContext<I = unknown> {
  readonly jobId: string;
  readonly input: I;
  /** One entry per phase, in run order. */
  readonly history: PhaseExecution[];
  /** Non-fatal errors (the first {@link MAX_KEPT_ERRORS}); `errorCount` counts them all. */
  readonly errors: ErrorRecord[];
  readonly errorCount: number;
  readonly interrupt: Interrupt;
  /** Where the job goes once the current phase's onSuccess ran: a phase name, or `null` to complete. */
  readonly next: string | null;
  /** The error failing or cancelling the job. */
  readonly failure: ErrorRecord | null;
  /** Absolute deadline (epoch ms) of the running backoff. */
  readonly retryAt: number | null;
  /** What the runtime resets `state` to before the phase runs again. */
  readonly reset: 'phase-start' | 'checkpoint' | null;
  /** When the runtime began the phase that just ended (epoch ms), for history when the entering event had no time. */
  readonly phaseStartedAt?: number | null;
  readonly status: 'active' | 'completed' | 'failed' | 'cancelled';
  readonly output: unknown;
}

/** How many non-fatal errors a job keeps in full; more are counted only. */
export const MAX_KEPT_ERRORS = 1000;

/** Input of the `runPhase` actor: everything it needs is named, nothing is a reference. */
export interface RunPhaseInput {
  readonly jobId: string;
  readonly phase: string;
  readonly attempt: number;
  readonly reset: 'phase-start' | 'checkpoint' | null;
}

/** Output of the `runPhase` actor. */
export type RunPhaseOutput = PhaseOutput & { readonly at?: number; readonly startedAt?: number };

/** Input of the `runHook` actor. */
export interface RunHookInput {
  readonly jobId: string;
  readonly phase: string;
  readonly hook: 'onSuccess' | 'onFailure';
  readonly error?: ErrorRecord | null;
}

/** Output of the `finalize` actor. */
export interface FinalizeOutput {
  readonly output: unknown;
  readonly at?: number;
}

/**
 * What an app sends a job machine (`sendTo('job', { type: 'PAUSE' })`): pause, resume, cancel. `at` is the
 * time of the request (epoch ms); the runtime stamps it when absent.
 */
export type JobControlEvent =
  | { type: 'PAUSE'; at?: number }
  | { type: 'RESUME'; at?: number }
  | { type: 'CANCEL'; at?: number };

/**
 * What phasekit's runtime sends the job machine while phases run: a non-fatal error, a failed checkpoint; and
 * `RUNNER`, which starts the job's runner in a job restored from a snapshot written before it had one.
 */
export type JobRuntimeEvent =
  | { type: 'NON_FATAL'; error: ErrorRecord }
  | { type: 'CHECKPOINT_FAILED'; error: ErrorRecord; at?: number }
  | { type: 'RUNNER' };

/** Every event a job machine accepts. */
export type JobMachineEvent = JobControlEvent | JobRuntimeEvent;

/** What the job machine returns when it reaches a final state (its XState `output`). */
export interface JobMachineOutput<O = unknown> {
  readonly status: 'completed' | 'failed' | 'cancelled';
  readonly output: O | undefined;
  readonly history: PhaseExecution[];
  readonly errors: ErrorRecord[];
  readonly errorCount: number;
  readonly failure: ErrorRecord | null;
}
