import type { JobRecord, ListFilter } from '../types.js';

/**
 * Apply a {@link ListFilter} and the order every store lists in: newest `updatedAt` first, then by id, so
 * equal timestamps still list the same way each time. Used by the stores that list in memory.
 */
export function filterRecords(records: Iterable<JobRecord>, filter: ListFilter = {}): JobRecord[] {
  const statuses = filter.status === undefined ? undefined : ([] as string[]).concat(filter.status);
  const out: JobRecord[] = [];
  for (const record of records) {
    if (statuses !== undefined && !statuses.includes(record.status)) continue;
    if (filter.name !== undefined && record.name !== filter.name) continue;
    out.push(record);
  }
  return out.sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
