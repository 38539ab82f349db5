import { createActor } from 'xstate';
import { freezeRestored } from './historyUpdates.js';
import { defaultOwner } from '../adapters/defaultOwner.js';
import { systemClock } from '../adapters/systemClock.js';
import type { Envelope } from '../persistence/Envelope.js';
import { decodeEnvelope } from '../persistence/decodeEnvelope.js';
import { JobNotFoundError } from '../persistence/JobNotFoundError.js';
import type { JobDefinition } from '../phases/defineJob.js';
import { snapshotPosition } from '../phases/snapshotPosition.js';
import { JobEndedError } from './JobEndedError.js';
import { JobRun } from './JobRun.js';
import { acquireJobLease } from './acquireJobLease.js';
import { DEFAULT_LEASE_MS, JobRuntime } from './JobRuntime.js';
import { reconcilePhases } from './reconcilePhases.js';
import { withRunner } from './withRunner.js';
import { type DepsFlag, type RunOptions, runJob } from './runJob.js';
import { registerRuntime, runnableMachine } from './runnableMachine.js';

/** Options of `resumeJob`. */
export interface ResumeOptions<D = unknown> extends RunOptions<D> {
  readonly store: NonNullable<RunOptions<D>['store']>;
  /** Send RESUME to a job restored in a paused state. Default true; false to, say, cancel it instead. */
  readonly resume?: boolean;
}

/** {@link ResumeOptions} of a job: `deps` is required when the job declared `deps` (`R` true). */
export type ResumeOptionsFor<D, R extends boolean> = R extends true
  ? ResumeOptions<D> & { readonly deps: D }
  : ResumeOptions<D>;

/**
 * Continue a job from its last checkpoint in `options.store`: after a pause, a stop, a crash or a kill. A paused
 * job is resumed; a running one goes on from the checkpoint (the interrupted phase runs again against the
 * checkpointed state, so it continues from the cursor it saved); a finished one returns its result.
 *
 * Resuming is an explicit request to run: a pause asked before the checkpoint was written (and never honoured,
 * say because the process died) does not outlive it. On a store with leases the job's lease is taken first, so
 * a job running in another live process is refused with `JobLockedError`, and one whose process died is taken
 * over.
 *
 * Throws `JobNotFoundError` when the store has no such job, `SnapshotCorruptError` for unreadable bytes and
 * `JobVersionError` for a checkpoint of another job version without a migration, or whose phase list differs
 * from the definition's without one — before anything runs. The stored checkpoint is never overwritten by a
 * failed resume. A checkpoint whose `machine` is null is a job saved before it started (e.g. queued by a job
 * manager): it starts now with its saved input and id.
 *
 * It returns a promise of the run (it reads the store and takes the lease first): await it before using the run.
 *
 * @example
 * const run = await resumeJob(backup, id, { store });
 * run.progress$.subscribe((p) => render(p));
 * const { status } = await run.result;
 */
export async function resumeJob<S, I, D, O, R extends boolean = false>(
  definition: JobDefinition<S, I, D, O> & DepsFlag<R>,
  jobId: string,
  options: ResumeOptionsFor<D, R>,
): Promise<JobRun<O, S>>;
export async function resumeJob<S, I, D, O>(
  definition: JobDefinition<S, I, D, O>,
  jobId: string,
  options: ResumeOptions<D>,
): Promise<JobRun<O, S>> {
  const clock = options.clock ?? systemClock;
  const owner = options.owner ?? defaultOwner();
  const store = options.store;
  // Checked once without the lease (a missing job needs no lease), then read again once the lease is ours.
  if (!(await store.load(jobId))) throw new JobNotFoundError(jobId);
  const { lease, request } = await acquireJobLease(
    store,
    jobId,
    owner,
    options.leaseMs ?? DEFAULT_LEASE_MS,
    options.lease,
  );
  let handedOver = false;
  try {
    const stored = await store.load(jobId);
    if (!stored) throw new JobNotFoundError(jobId);
    const decoded = decodeEnvelope(stored.bytes, {
      name: definition.name,
      version: definition.version,
      migrations: definition.migrations,
      jobId,
    });
    if (decoded.machine === null || decoded.machine === undefined) {
      const status = stored.record.status;
      if (status === 'cancelled' || status === 'failed' || status === 'completed') {
        throw new JobEndedError(jobId, status);
      }
      // Saved before it ever started (a queued job): start it now, with its input and id, under this lease.
      handedOver = true;
      return runJob(definition, decoded.input as I, {
        ...options,
        jobId,
        owner,
        ...(lease ? { lease } : {}),
      });
    }
    const envelope = withoutStalePause(reconcilePhases(decoded, definition, decoded.position !== undefined));
    // The restored history and errors are frozen like the ones the machine makes: encoded once, not per checkpoint.
    const restoredContext = (envelope.machine as { context?: { history?: unknown[]; errors?: unknown[] } })
      .context;
    if (restoredContext) {
      restoredContext.history = freezeRestored(restoredContext.history);
      restoredContext.errors = freezeRestored(restoredContext.errors);
    }
    const position = snapshotPosition((envelope.machine as { value?: unknown }).value);
    const paused = position.step === 'paused';
    const runtime = new JobRuntime<S, I, D, O>(
      definition,
      { ...options, clock, owner, ...(lease ? { lease } : {}) },
      {
        jobId,
        input: envelope.input as I,
        state: envelope.state as S,
        ...(envelope.phaseStartState !== undefined
          ? { phaseStartState: envelope.phaseStartState as S, phaseStartPhase: position.phase }
          : {}),
        elapsedMs: envelope.progress.elapsedMs,
        progress: envelope.progress,
        checkpointBytes: stored.bytes,
        restored: true,
        // A job restored mid-phase goes on from the checkpoint just loaded; a paused one writes a fresh checkpoint
        // when it resumes, so the store stops saying `paused` at once; one restored waiting for a retry (or in a
        // hook) writes one as its next attempt (or phase) starts, as it would have without the restore.
        skipFirstBoundary: position.step === 'running',
      },
    );
    handedOver = true;
    const machine = runnableMachine(definition);
    const actor = createActor(machine, {
      snapshot: withRunner(envelope.machine) as never,
      input: { jobId, input: envelope.input },
      id: jobId,
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    registerRuntime(actor, runtime);
    runtime.bind(actor, false);
    runtime.markStarted();
    runtime.startHeartbeat();
    const run = new JobRun<O, S>(actor, runtime);
    if (options.resume !== false && paused) run.resume();
    actor.start();
    // A cancel asked through the store while no process ran the job is honoured now; a pause is not (see above).
    if (request === 'cancel') runtime.honour('cancel');
    else if (request === 'pause') await store.clearRequest?.(jobId);
    // A job restored at rest — ended (its result is returned, nothing runs) or paused and not resumed — writes
    // no checkpoint, which is where a run gives its lease up: it goes now, or no one could resume the job again
    // while this process lives. `run.resume()` and `run.cancel()` of a paused run take it back.
    await runtime.releaseIfAtRest();
    return run;
  } finally {
    if (!handedOver && lease && !options.lease) await store.release?.(lease).catch(() => {});
  }
}

/**
 * A checkpoint written while a pause was asked but not yet honoured (the process died before the pause
 * checkpoint) would pause again at once: resuming withdraws that old request.
 */
function withoutStalePause(envelope: Envelope): Envelope {
  const machine = envelope.machine as { context?: { interrupt?: unknown } } | null;
  if (machine?.context?.interrupt !== 'pause') return envelope;
  return { ...envelope, machine: { ...machine, context: { ...machine.context, interrupt: null } } };
}
