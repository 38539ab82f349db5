/** Values marked by {@link markShared}. */
const shared = new WeakSet<object>();

/**
 * Mark frozen values that many jobs' checkpoints hold and that live long (the pending history entries every run
 * of a job starts with): a checkpoint list keeps their bytes the first time it writes them, and every later job's
 * first checkpoint copies those bytes. Other list items keep their bytes only in their own job's list memo: a
 * cache entry per short-lived entry cost every scavenge more than it saved (measured on jobs without boundary
 * checkpoints, whose one checkpoint writes a fresh history).
 *
 * @example
 * ```ts
 * markShared(pendingEntries);
 * ```
 */
export function markShared(values: readonly object[]): void {
  for (const value of values) if (Object.isFrozen(value)) shared.add(value);
}

/** True when `value` was marked by {@link markShared}. */
export function isShared(value: unknown): boolean {
  return typeof value === 'object' && value !== null && shared.has(value);
}
