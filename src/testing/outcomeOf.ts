import type { JobResult, JobRun } from '../machines/JobRun.js';
import type { CrashTrial } from './CrashTrial.js';

/** What a run ended with, as `runCrashPoints` compares it. */
export interface CrashOutcome {
  readonly status: JobResult['status'];
  readonly output: unknown;
  /** Message of the error that failed the job, or `null`. */
  readonly failure: string | null;
  /** Each phase and how it ended (times and attempt counts are left out: they differ after a crash). */
  readonly history: readonly { readonly phase: string; readonly status: string }[];
  /** Non-fatal errors, phase and message. */
  readonly errors: readonly { readonly phase: string | null; readonly message: string }[];
  /** The job's final state `S`. */
  readonly state: unknown;
  /** What the trial's `effects()` read. */
  readonly effects: unknown;
}

/** How a run ended, as `runCrashPoints` compares it (read in the process that ran it). @internal */
export async function outcomeOf(
  run: JobRun<unknown>,
  result: JobResult,
  world: CrashTrial<unknown>,
): Promise<CrashOutcome> {
  return {
    status: result.status,
    output: result.output,
    failure: result.failure?.message ?? null,
    history: result.history.map((h) => ({ phase: h.phase, status: h.status })),
    errors: result.errors.map((e) => ({ phase: e.phase ?? null, message: e.message })),
    state: structuredClone(run.state),
    effects: world.effects ? await world.effects() : undefined,
  } satisfies CrashOutcome;
}
