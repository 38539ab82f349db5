import { hostname } from 'node:os';
import type { LeaseOwner } from '../persistence/types.js';

let owner: LeaseOwner | undefined;

/**
 * This process as a lease owner: its pid, its host, and a worker id unique to this process run
 * (`host:pid:random`), so a pid reused after a restart is still another owner.
 */
export function defaultOwner(): LeaseOwner {
  if (!owner) {
    const host = hostname();
    const pid = process.pid;
    owner = { workerId: `${host}:${pid}:${globalThis.crypto.randomUUID().slice(0, 8)}`, pid, host };
  }
  return owner;
}
