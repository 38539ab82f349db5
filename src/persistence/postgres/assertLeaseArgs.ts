import type { LeaseOwner } from '../types.js';

/** Refuse a lease length that is not a positive, finite number of ms (the other stores' rule). */
export function assertLeaseMs(leaseMs: number): void {
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw new TypeError(`leaseMs must be a positive number of milliseconds, got ${leaseMs}.`);
  }
}

/** Refuse an owner without a usable pid, worker id or host. */
export function assertOwner(owner: LeaseOwner): void {
  if (!Number.isSafeInteger(owner.pid) || owner.pid <= 0) {
    throw new TypeError(`A lease owner's pid must be a positive integer, got ${owner.pid}.`);
  }
  if (typeof owner.workerId !== 'string' || owner.workerId === '' || typeof owner.host !== 'string') {
    throw new TypeError('A lease owner needs a non-empty workerId and a host (os.hostname()).');
  }
}
