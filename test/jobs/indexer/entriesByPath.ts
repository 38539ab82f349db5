import { entriesOfLocation, getEntry, pathOf } from '../../../src/jobs/library/entries.js';
import type { Library } from '../../../src/jobs/library/Library.js';

/**
 * Every entry of a location by path, with every column but ids (a clean index numbers them its own way): what
 * a re-index is compared by against a clean index of the same tree.
 */
export function entriesByPath(library: Library, locationId: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const row of entriesOfLocation(library, locationId)) {
    if (row.parentId === null) continue;
    const { id: _id, parentId: _p, locationId: _l, ...rest } = getEntry(library, row.id)!;
    out[pathOf(library, row.id).toString('latin1')] = rest;
  }
  return out;
}
