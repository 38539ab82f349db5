/**
 * phasekit/testing: helpers for testing your jobs.
 *
 * - {@link TestClock}: time that moves only when told, for progress, ETA and backoff tests.
 * - {@link jobPaths}: paths through a job's machine that together take every transition (the default), or
 *   every simple path (`@xstate/graph`); phase outcomes, hooks, backoffs and PAUSE / RESUME / CANCEL
 *   modelled as the events the machine receives.
 * - {@link runPath}: drive a real actor of the job's machine along one path, checking its state and a
 *   MessagePack checkpoint round trip at every step.
 * - {@link jobEvents}: the events one state can take, to build your own generators (e.g. with fast-check).
 * - {@link pathFromEvents}: the path of a hand-written event sequence, to replay a scenario with `runPath`.
 * - {@link scriptedMachine}: the job's machine with actors that never settle, for your own drivers.
 * - {@link crashPoints}: every place a crash can land in a run of the job (each store write, and inside
 *   `atomicWith` before and after the caller's writes).
 * - {@link runCrashPoints}: crash at each of them, resume from the store, and compare with an uninterrupted run.
 *
 * @example
 * import { jobPaths, runPath } from 'phasekit/testing';
 *
 * describe('backup job', () => {
 *   for (const path of jobPaths(backupJob, { input: { paths: ['/data'] } })) {
 *     it(path.description, () => {
 *       const { context } = runPath(backupJob, path);
 *       expect(context.status).toBe(path.final);
 *     });
 *   }
 * });
 *
 * @packageDocumentation
 */
export { TestClock } from './TestClock.js';
export {
  ALL_OUTCOMES,
  describeEvent,
  jobEvents,
  jobPaths,
  PathLimitError,
  pathFromEvents,
} from './jobPaths.js';
export type {
  ControlEventType,
  JobEventOptions,
  JobPath,
  JobPathEvent,
  JobPathStep,
  JobPathsOptions,
  PhaseOutcome,
} from './jobPaths.js';
export { PathMismatchError, runPath, scriptedMachine } from './runPath.js';
export type { Invocation, RunPathOptions, RunPathResult } from './runPath.js';
export type { CrashMoment, CrashPoint, CrashWrite, CrashWriteSource } from './CrashPoint.js';
export { CrashingStore } from './CrashingStore.js';
export type { CrashingStoreOptions } from './CrashingStore.js';
export type { CrashChildModule, CrashPointsOptions, CrashTrial } from './CrashTrial.js';
export { crashPoints } from './crashPoints.js';
export { runCrashPoints } from './runCrashPoints.js';
export type {
  CrashMismatch,
  CrashOutcome,
  CrashPointsReport,
  CrashTrialReport,
  RunCrashPointsOptions,
} from './runCrashPoints.js';
export { processWrites } from './processWrites.js';
export { firstDifference } from './firstDifference.js';
