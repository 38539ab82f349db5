import type { AnyActorRef } from 'xstate';
import { defaultOwner } from '../adapters/defaultOwner.js';
import { systemClock } from '../adapters/systemClock.js';
import { MemoryStore } from '../persistence/stores/MemoryStore.js';
import type { JobDefinition } from '../phases/defineJob.js';
import { compileJob, type JobMachine } from './compileJob.js';
import { implementationsFor, JobRuntime } from './JobRuntime.js';
import { RuntimeBusyError } from './RuntimeBusyError.js';
import type { DepsFlag, RunJobArgs, RunOptions } from './runJob.js';

/** What {@link provideRuntime} returns: the machine to embed, and the runtime that runs its phases. */
export interface ProvidedJob<S, I, D, O> {
  /** The job's machine with the runtime plugged in: input `{ jobId, input }`, output `JobMachineOutput<O>`. */
  readonly machine: JobMachine<I, O>;
  /**
   * The runtime of the machine's current run: its state, `events$`, `progress.progress$` and `settled()`. A parent
   * that invokes the machine again (re-entering the state that invokes it) starts a new run with a new runtime,
   * and this then returns that one.
   */
  readonly runtime: JobRuntime<S, I, D, O>;
}

/**
 * The job's machine with phasekit's runtime plugged in, to embed as a child of your own machine. Its input is
 * `{ jobId, input }`; it reports `{ status, output, history, errors }` as its output, and accepts `PAUSE`,
 * `RESUME` and `CANCEL` events (forward them with `sendTo`). One run of the machine at a time: the runtime holds
 * the job's state.
 *
 * Persisting the parent: the job checkpoints into `options.store` under `options.jobId` as it runs. When the parent
 * is restored from a snapshot of its own, the job continues from that checkpoint (same phase; its state, not
 * `initialState`), and a pause asked before the parent was persisted is withdrawn; when the store holds no
 * checkpoint, or one in another phase, the job fails at once with `EmbeddedResumeError` rather than start over.
 * On a store with leases the job takes its lease before its first phase runs.
 *
 * Stopping: when the job's actor stops without ending (the parent leaves the state that invoked it, or the app's
 * actor stops), the run stops as `run.stop()` stops one: `ctx.signal` aborts, nothing more is written, and the lease
 * is given up once the phase's code has returned. The store keeps the last checkpoint, from which `resumeJob` (or
 * a parent restored from its snapshot) goes on. Invoked again, the machine runs the job anew, from its first phase
 * with `initialState(input)`, once the stopped run's code has returned.
 *
 * @throws {RuntimeBusyError} (as the new actor's error) when the machine is invoked while an earlier invocation
 *   of it still runs: call `provideRuntime` once per job that runs at the same time.
 *
 * @example
 * const app = setup({ actors: { backup: provideRuntime(backupJob, { jobId: 'b1', input, store }).machine } })
 *   .createMachine({ invoke: { src: 'backup', id: 'backup', input: { jobId: 'b1', input },
 *     onDone: { actions: ({ event }) => console.log(event.output.status) } } });
 */
export function provideRuntime<S, I, D, O, R extends boolean = false>(
  definition: JobDefinition<S, I, D, O> & DepsFlag<R>,
  options: RunJobArgs<D, R>[0] & { readonly jobId: string; readonly input: I },
): ProvidedJob<S, I, D, O>;
export function provideRuntime<S, I, D, O>(
  definition: JobDefinition<S, I, D, O>,
  options: RunOptions<D> & { readonly jobId: string; readonly input: I },
): ProvidedJob<S, I, D, O> {
  const clock = options.clock ?? systemClock;
  const store = options.store ?? new MemoryStore();
  const runtimeOptions = { ...options, clock, store, owner: options.owner ?? defaultOwner() };
  const newRuntime = (after?: Promise<void>) =>
    new JobRuntime<S, I, D, O>(definition, runtimeOptions, {
      jobId: options.jobId,
      input: options.input,
      state: definition.initialState(options.input),
      ...(after ? { after } : {}),
    });
  let current = newRuntime();
  /** The job actor `current` runs for, once one asked for it. */
  let currentJob: AnyActorRef | undefined;
  const runtimes = new WeakMap<AnyActorRef, JobRuntime<S, I, D, O>>();
  const find = (job: AnyActorRef): JobRuntime<S, I, D, O> => {
    const known = runtimes.get(job);
    if (known) return known;
    if (currentJob !== undefined) {
      const status = (currentJob.getSnapshot() as { status: string }).status;
      if (status === 'active' && current.stopReason === null)
        throw new RuntimeBusyError(options.jobId, definition.name);
      // Invoked again once the earlier actor stopped or ended: a new run, after that one's code has returned.
      current = newRuntime(current.idle());
    }
    currentJob = job;
    runtimes.set(job, current);
    return current;
  };
  const machine = compileJob(definition).provide(implementationsFor(find) as never) as JobMachine<I, O>;
  return {
    machine,
    get runtime() {
      return current;
    },
  };
}
