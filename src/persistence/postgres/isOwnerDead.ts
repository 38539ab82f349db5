import os from 'node:os';
import type { LeaseOwner } from '../types.js';

/**
 * True when the owner is a process on this host that no longer exists: its lease may be taken over before it
 * lapses. An owner on another host is never judged dead here (only its lease lapsing says so).
 */
export function isOwnerDead(owner: LeaseOwner): boolean {
  if (owner.host !== os.hostname() || !Number.isInteger(owner.pid) || owner.pid <= 0) return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
