import { defaultOwner } from '../adapters/defaultOwner.js';
import { systemClock } from '../adapters/systemClock.js';
import { MemoryStore } from '../persistence/stores/MemoryStore.js';
import type { JobDefinition } from '../phases/defineJob.js';
import { compileJob, type JobMachine } from './compileJob.js';
import { JobRuntime } from './JobRuntime.js';
import type { DepsFlag, RunJobArgs, RunOptions } from './runJob.js';

/** What {@link provideRuntime} returns: the machine to embed, and the runtime that runs its phases. */
export interface ProvidedJob<S, I, D, O> {
  /** The job's machine with the runtime plugged in: input `{ jobId, input }`, output `JobMachineOutput<O>`. */
  readonly machine: JobMachine<I, O>;
  readonly runtime: JobRuntime<S, I, D, O>;
}

/**
 * The job's machine with phasekit's runtime plugged in, to embed as a child of your own machine. Its input is
 * `{ jobId, input }`; it reports `{ status, output, history, errors }` as its output, and accepts `PAUSE`,
 * `RESUME` and `CANCEL` events (forward them with `sendTo`). Use one per job run: the runtime holds the job's
 * state.
 *
 * Persisting the parent: the job checkpoints into `options.store` under `options.jobId` as it runs. When the parent
 * is restored from a snapshot of its own, the job continues from that checkpoint (same phase; its state, not
 * `initialState`), and a pause asked before the parent was persisted is withdrawn; when the store holds no
 * checkpoint, or one in another phase, the job fails at once with `EmbeddedResumeError` rather than start over.
 * On a store with leases the job takes its lease before its first phase runs.
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
  const runtime = new JobRuntime<S, I, D, O>(
    definition,
    { ...options, clock, store, owner: options.owner ?? defaultOwner() },
    {
      jobId: options.jobId,
      input: options.input,
      state: definition.initialState(options.input),
    },
  );
  const machine = compileJob(definition).provide(runtime.implementations() as never) as JobMachine<I, O>;
  return { machine, runtime };
}
