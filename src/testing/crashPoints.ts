import { runJob } from '../machines/runJob.js';
import type { JobDefinition } from '../phases/defineJob.js';
import type { CrashPoint } from './CrashPoint.js';
import { CrashingStore } from './CrashingStore.js';
import type { CrashPointsOptions, CrashTrial } from './CrashTrial.js';

/**
 * Every place a crash can land in one run of the job: before and after each store write (each boundary
 * checkpoint and each `ctx.checkpoint()`), and for a write with `atomicWith`, inside the store's transaction
 * before and after the caller's writes. Found by running the job for real, once, in a world from `setup()`.
 *
 * @example
 * const points = await crashPoints(indexerJob, { path: tree }, { setup });
 * points.length; // 4 per batch, 2 per other write
 * points[5].label; // '#3 checkpoint in processing (running), after-caller-writes'
 */
export async function crashPoints<S, I, D, O>(
  definition: JobDefinition<S, I, D, O>,
  input: I,
  options: CrashPointsOptions<D>,
): Promise<CrashPoint[]> {
  const trial = await options.setup();
  try {
    const store = new CrashingStore(trial.store);
    await runJob(definition, input, runOptionsOf(options, trial, store)).result;
    return store.points();
  } finally {
    await trial.close?.();
  }
}

/** The `runJob` options of one run in a trial's world. @internal */
export function runOptionsOf<D>(
  options: CrashPointsOptions<D>,
  trial: CrashTrial<D>,
  store: CrashingStore | CrashTrial<D>['store'],
) {
  return {
    minCheckpointIntervalMs: 0,
    ...options.run,
    store,
    ...(trial.deps !== undefined ? { deps: trial.deps } : {}),
    jobId: options.jobId ?? 'crash-points',
  };
}
