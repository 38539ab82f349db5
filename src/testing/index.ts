/**
 * phasekit/testing: helpers for testing your jobs. `TestClock` for deterministic time; `jobPaths` and
 * `runPath` to walk every path of a job's machine with `xstate/graph` and drive a real actor along it.
 */
export { TestClock } from './TestClock.js';
