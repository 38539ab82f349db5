import { createActor, type InspectionEvent, type Observer } from 'xstate';
import { newJobId } from '../adapters/newJobId.js';
import { systemClock } from '../adapters/systemClock.js';
import { MemoryStore } from '../persistence/stores/MemoryStore.js';
import type { Lease, LeaseOwner, SnapshotStore } from '../persistence/types.js';
import { defaultOwner } from '../adapters/defaultOwner.js';
import type { JobDefinition } from '../phases/defineJob.js';
import type { Clock, Logger } from '../phases/types.js';
import { JobRun } from './JobRun.js';
import { JobRuntime } from './JobRuntime.js';
import { registerRuntime, runnableMachine } from './runnableMachine.js';

/** Options of `runJob` and `resumeJob`. */
export interface RunOptions<D = unknown> {
  /** Where checkpoints go. Default: a new `MemoryStore` (nothing survives the process). */
  readonly store?: SnapshotStore;
  /** Handed to every phase as `ctx.deps`. */
  readonly deps?: D;
  /** Default: the system clock. Inject a fake one in tests. */
  readonly clock?: Clock;
  /** Default: a random UUID. */
  readonly jobId?: string;
  readonly logger?: Logger;
  /** Minimum ms between unforced `ctx.checkpoint()` writes. Default 1000. */
  readonly minCheckpointIntervalMs?: number;
  /** Checkpoint at every phase boundary. Default true. */
  readonly boundaryCheckpoints?: boolean;
  /** Minimum ms between progress reports. Default 100. */
  readonly progressIntervalMs?: number;
  /** XState inspection observer, e.g. `createBrowserInspector().inspect` or the Stately inspector's. */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Who runs the job, written into its lease (stores with leases). Default: this process. */
  readonly owner?: LeaseOwner;
  /** How long the job's lease lasts without renewal; renewed every third of it. Default 30 000 ms. */
  readonly leaseMs?: number;
  /** A lease on the job already held (a worker's `claim`), used instead of acquiring one. */
  readonly lease?: Lease;
  /** How long a checkpoint that meets a busy store (another writer) is retried before it fails. Default 10 min. */
  readonly busyRetryMs?: number;
}

/**
 * How a definition says whether it needs `deps`: `depsRequired` is `true` on a job defined with
 * `deps: depsType<D>()`, absent otherwise. Runners read it as the type parameter `R`.
 */
export interface DepsFlag<R extends boolean> {
  readonly depsRequired?: R;
}

/** The options argument of `runJob`: optional, unless the job declared `deps` (`R` true): then `deps` is required. */
export type RunJobArgs<D, R extends boolean> = R extends true
  ? [options: RunOptions<D> & { readonly deps: D }]
  : [options?: RunOptions<D>];

/**
 * Start a job: compile its machine (cached), create the actor with phasekit's runtime plugged in, and run.
 * On a store with leases the run first takes the job's lease (its `result` rejects with `JobLockedError` when
 * a live process holds the job id), renews it while running and gives it up when the job rests or ends.
 *
 * @example
 * const run = runJob(backup, { paths: ['/home/me'] }, { store: new SqliteStore('jobs.db') });
 * run.progress$.subscribe((p) => render(p));
 * const result = await run.result; // { status: 'completed', output, history, errors }
 */
export function runJob<S, I, D, O, R extends boolean = false>(
  definition: JobDefinition<S, I, D, O> & DepsFlag<R>,
  input: I,
  ...options: RunJobArgs<D, R>
): JobRun<O, S>;
export function runJob<S, I, D, O>(
  definition: JobDefinition<S, I, D, O>,
  input: I,
  options: RunOptions<D> = {},
): JobRun<O, S> {
  const clock = options.clock ?? systemClock;
  const jobId = options.jobId ?? newJobId();
  const store = options.store ?? new MemoryStore();
  const runtime = new JobRuntime<S, I, D, O>(
    definition,
    { ...options, clock, store, owner: options.owner ?? defaultOwner() },
    {
      jobId,
      input,
      state: definition.initialState(input),
    },
  );
  const machine = runnableMachine(definition);
  const actor = createActor(machine, {
    input: { jobId, input, now: clock.now() },
    id: jobId,
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  registerRuntime(actor, runtime);
  runtime.bind(actor, false);
  const run = new JobRun<O, S>(actor, runtime);
  runtime.markStarted();
  // Start once the caller has had a chance to subscribe to events$ and progress$, and the lease is ours.
  queueMicrotask(() => {
    if (!runtime.leased) {
      actor.start();
      return;
    }
    runtime.acquireLease().then(
      (request) => {
        actor.start();
        runtime.honour(request);
      },
      (error) => run.failStart(error),
    );
  });
  return run;
}
