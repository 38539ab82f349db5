import type fs from 'node:fs';

/**
 * `lstat` results that estimate's walk hands to prepare's walk in the same process, so a tree is stat'ed
 * once, not twice (a tenth of a copy of many small files here). Keyed by job; prepare clears it. A resumed
 * job that starts at prepare finds nothing and stats the tree itself.
 */
const cache = new Map<string, Map<string, fs.Stats>>();

/** Remember the stats of `path` for the job. */
export function rememberStat(jobId: string, path: Buffer, st: fs.Stats): void {
  let stats = cache.get(jobId);
  if (!stats) {
    stats = new Map();
    cache.set(jobId, stats);
  }
  stats.set(path.toString('latin1'), st);
}

/** The stats remembered for `path`, removed from the cache, or `undefined`. */
export function takeStat(jobId: string, path: Buffer): fs.Stats | undefined {
  const stats = cache.get(jobId);
  if (!stats) return undefined;
  const key = path.toString('latin1');
  const st = stats.get(key);
  stats.delete(key);
  return st;
}

/** Forget everything remembered for the job. */
export function forgetStats(jobId: string): void {
  cache.delete(jobId);
}
