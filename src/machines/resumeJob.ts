import { createActor } from 'xstate';
import { systemClock } from '../adapters/systemClock.js';
import { decodeEnvelope } from '../persistence/decodeEnvelope.js';
import type { JobDefinition } from '../phases/defineJob.js';
import { JobNotFoundError } from '../persistence/JobNotFoundError.js';
import { JobEndedError } from './JobEndedError.js';
import { JobRun } from './JobRun.js';
import { JobRuntime } from './JobRuntime.js';
import { registerRuntime, runnableMachine } from './runnableMachine.js';
import { type RunOptions, runJob } from './runJob.js';

/** Options of `resumeJob`. */
export interface ResumeOptions<D = unknown> extends RunOptions<D> {
  readonly store: NonNullable<RunOptions<D>['store']>;
  /** Send RESUME to a job restored in a paused state. Default true; false to, say, cancel it instead. */
  readonly resume?: boolean;
}
import { snapshotPosition } from './snapshotPosition.js';

/**
 * Continue a job from its last checkpoint in `options.store`: after a pause, a crash or a kill. A paused job
 * is resumed; a running one goes on from the checkpoint (the interrupted phase runs again against the
 * checkpointed state, so it continues from the cursor it saved); a finished one returns its result.
 *
 * Throws `JobNotFoundError` when the store has no such job, `SnapshotCorruptError` for unreadable bytes and
 * `JobVersionError` for a checkpoint of another job version without a migration. The stored checkpoint is
 * never overwritten by a failed resume. A checkpoint whose `machine` is null is a job saved before it started
 * (e.g. queued by a job manager): it starts now with its saved input and id.
 */
export async function resumeJob<S, I, D, O>(
  definition: JobDefinition<S, I, D, O>,
  jobId: string,
  options: ResumeOptions<D>,
): Promise<JobRun<O>> {
  const clock = options.clock ?? systemClock;
  const stored = await options.store.load(jobId);
  if (!stored) throw new JobNotFoundError(jobId);
  const envelope = decodeEnvelope(stored.bytes, {
    name: definition.name,
    version: definition.version,
    migrations: definition.migrations,
    jobId,
  });
  if (envelope.machine === null || envelope.machine === undefined) {
    const status = stored.record.status;
    if (status === 'cancelled' || status === 'failed' || status === 'completed') {
      throw new JobEndedError(jobId, status);
    }
    // Saved before it ever started (a queued job): start it now, with its input and id.
    return runJob(definition, envelope.input as I, { ...options, jobId });
  }
  const paused = snapshotPosition((envelope.machine as { value?: unknown }).value).step === 'paused';
  const runtime = new JobRuntime<S, I, D, O>(
    definition,
    { ...options, clock },
    {
      jobId,
      input: envelope.input as I,
      state: envelope.state as S,
      ...(envelope.phaseStartState !== undefined ? { phaseStartState: envelope.phaseStartState as S } : {}),
      elapsedMs: envelope.progress.elapsedMs,
      restored: true,
      // A job restored mid-phase goes on from the checkpoint just loaded; a paused one writes a fresh checkpoint
      // when it resumes, so the store stops saying `paused` at once.
      skipFirstBoundary: !paused,
    },
  );
  const machine = runnableMachine(definition);
  const actor = createActor(machine, {
    snapshot: envelope.machine as never,
    input: { jobId, input: envelope.input },
    id: jobId,
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  registerRuntime(actor, runtime);
  runtime.bind(actor, false);
  const run = new JobRun<O>(actor, runtime);
  if (options.resume !== false && paused) run.resume();
  actor.start();
  return run;
}
