import type { ControlRequest, Lease, LeaseOwner, SnapshotStore } from '../persistence/types.js';
import { untilEnded } from './endingRuns.js';

/**
 * Take the lease on `jobId` in `store` (or keep `held`) and read the control request waiting for the job.
 * Returns no lease for a store without leases. A run of the job stopped in this process whose phase has not
 * returned yet is waited for first.
 * @throws {JobLockedError} when another live owner holds the job.
 */
export async function acquireJobLease(
  store: SnapshotStore,
  jobId: string,
  owner: LeaseOwner,
  leaseMs: number,
  held?: Lease,
): Promise<{ lease: Lease | undefined; request: ControlRequest | null }> {
  if (typeof store.acquire !== 'function') return { lease: held, request: null };
  // A run of this job stopped in this process whose phase is still returning keeps the lease until it has.
  const ending = held ? undefined : untilEnded(store, jobId);
  if (ending) await ending;
  let lease = held ?? (await store.acquire(jobId, owner, { leaseMs }));
  if (!store.renew) return { lease, request: null };
  try {
    const renewal = await store.renew(lease, { leaseMs });
    lease = renewal.lease;
    return { lease, request: renewal.request };
  } catch (error) {
    if (!held) await store.release?.(lease).catch(() => {});
    throw error;
  }
}
