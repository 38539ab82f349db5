/**
 * The one-owner lease rules every store applies, kept apart from storage: each store reads a job's
 * {@link LeaseState} inside its own transaction or mutex, asks these functions what to do, and writes the
 * state they return before letting go. The rules are therefore the same for memory, SQLite and files.
 */
import { hostname } from 'node:os';
import { JobLockedError } from '../JobLockedError.js';
import { LeaseLostError } from '../LeaseLostError.js';
import type { AcquireOptions, ControlRequest, Lease, LeaseOwner, LeaseRenewal } from '../types.js';

/** The owner part of a lease as a store keeps it: everything but the job id. */
export type LeaseHolder = Omit<Lease, 'jobId'>;

/**
 * What a store keeps per job for leases. `fence` is the last fencing token handed out (0 before the first
 * acquisition) and never goes back; `holder` is `null` when nobody holds the job (never acquired, or
 * released); `request` is a pending control request, independent of who holds the job.
 */
export interface LeaseState {
  readonly fence: number;
  readonly holder: LeaseHolder | null;
  readonly request: ControlRequest | null;
}

/** The state of a job no lease operation has touched yet. */
export const NO_LEASE: LeaseState = { fence: 0, holder: null, request: null };

/**
 * True when a process `pid` exists on this host. `process.kill(pid, 0)` sends nothing: ESRCH means no such
 * process; EPERM means it exists but belongs to another user (still alive). A zombie (exited, not yet reaped by
 * its parent) still exists.
 */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * True when `holder` still owns its job at `now`: not lapsed (`now <= expiresAt`) and, when it runs on this
 * host, its process still exists. An owner on another host is judged by its expiry alone.
 */
export function holderIsLive(holder: LeaseHolder, now: number, host: string = hostname()): boolean {
  if (now > holder.expiresAt) return false;
  return holder.host !== host || pidExists(holder.pid);
}

/**
 * Take the job for `owner`, or throw {@link JobLockedError} naming a live holder. Any live holder refuses,
 * the same worker included: a process that already runs the job must not start it a second time.
 * @returns the new lease and the state to store (fence + 1, the request kept).
 */
export function acquireLease(
  jobId: string,
  state: LeaseState,
  owner: LeaseOwner,
  opts: AcquireOptions,
  now: number,
): { lease: Lease; state: LeaseState } {
  assertOwner(owner);
  assertLeaseMs(opts.leaseMs);
  if (state.holder !== null && holderIsLive(state.holder, now)) {
    throw new JobLockedError(jobId, { jobId, ...state.holder });
  }
  const holder: LeaseHolder = {
    workerId: owner.workerId,
    pid: owner.pid,
    host: owner.host,
    fence: state.fence + 1,
    acquiredAt: now,
    expiresAt: now + opts.leaseMs,
  };
  return { lease: { jobId, ...holder }, state: { ...state, fence: holder.fence, holder } };
}

/**
 * Extend `lease` to `now + leaseMs` and report the pending request. A lease that lapsed but that nobody took
 * over is still this owner's and is renewed.
 * @throws {LeaseLostError} when the job's fence moved past the lease's, or the lease was released.
 */
export function renewLease(
  lease: Lease,
  state: LeaseState,
  opts: AcquireOptions,
  now: number,
): { renewal: LeaseRenewal; state: LeaseState } {
  assertLeaseMs(opts.leaseMs);
  assertHeld(lease.jobId, lease.fence, state);
  const holder: LeaseHolder = { ...state.holder!, expiresAt: now + opts.leaseMs };
  return {
    renewal: { lease: { jobId: lease.jobId, ...holder }, request: state.request },
    state: { ...state, holder },
  };
}

/** The state after releasing `lease`, or `undefined` when there is nothing to change (not held any more). */
export function releaseLease(lease: Lease, state: LeaseState): LeaseState | undefined {
  if (state.holder === null || state.fence !== lease.fence) return undefined;
  return { ...state, holder: null };
}

/**
 * Check that a write carrying `fence` may go ahead: the job's current fence is `fence` and its lease is held
 * (acquired and not released; a lapsed lease nobody took over still counts).
 * @throws {LeaseLostError} otherwise; nothing may be written.
 */
export function assertHeld(jobId: string, fence: number, state: LeaseState | undefined): void {
  if (state === undefined || state.holder === null || state.fence !== fence) {
    throw new LeaseLostError(jobId, fence, state === undefined ? {} : { currentFence: state.fence });
  }
}

/** Refuse a request that is not `'pause'` or `'cancel'` (it would be stored and never honoured). */
export function assertRequest(request: ControlRequest): void {
  if (request !== 'pause' && request !== 'cancel') {
    throw new TypeError(`Unknown control request ${JSON.stringify(request)}: use 'pause' or 'cancel'.`);
  }
}

function assertLeaseMs(leaseMs: number): void {
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw new TypeError(`leaseMs must be a positive number of milliseconds, got ${leaseMs}.`);
  }
}

function assertOwner(owner: LeaseOwner): void {
  if (!Number.isSafeInteger(owner.pid) || owner.pid <= 0) {
    throw new TypeError(`A lease owner's pid must be a positive integer, got ${owner.pid}.`);
  }
  if (typeof owner.workerId !== 'string' || owner.workerId === '' || typeof owner.host !== 'string') {
    throw new TypeError('A lease owner needs a non-empty workerId and a host (os.hostname()).');
  }
}

/** The live holder in `state` as a lease of `jobId`, or `undefined` (nobody, lapsed, or a dead process). */
export function liveHolder(jobId: string, state: LeaseState | undefined, now: number): Lease | undefined {
  const holder = state?.holder;
  if (!holder || !holderIsLive(holder, now)) return undefined;
  return { jobId, ...holder };
}
