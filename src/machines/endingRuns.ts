import type { SnapshotStore } from '../persistence/types.js';

/**
 * Runs of this process that were stopped while their job's code still ran, by store and job id: each holds
 * its job's lease until that code has returned. A run of the same job in this process waits for it (see
 * {@link untilEnded}) instead of failing with `JobLockedError`; another process meets the lease and is told to
 * wait, as the job's code still runs.
 */
const ending = new WeakMap<SnapshotStore, Map<string, Promise<void>>>();

/** Note that the stopped run of `jobId` in `store` ends (code returned, lease given up) when `ended` settles. */
export function noteEnding(store: SnapshotStore, jobId: string, ended: Promise<void>): void {
  let runs = ending.get(store);
  if (runs === undefined) {
    runs = new Map();
    ending.set(store, runs);
  }
  const settled = ended.then(
    () => {},
    () => {},
  );
  runs.set(jobId, settled);
  void settled.then(() => {
    if (runs.get(jobId) === settled) runs.delete(jobId);
  });
}

/** The end of a stopped run of `jobId` in `store` that is still ending in this process, if there is one. */
export function untilEnded(store: SnapshotStore, jobId: string): Promise<void> | undefined {
  return ending.get(store)?.get(jobId);
}
