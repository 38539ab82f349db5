import os from 'node:os';
import type { LeaseOwner } from '../persistence/types.js';

/** This CLI process as a lease owner: `host:pid:cli`. */
export function cliOwner(): LeaseOwner {
  const host = os.hostname();
  return { workerId: `${host}:${process.pid}:cli`, pid: process.pid, host };
}
