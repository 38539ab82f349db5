import type { Library } from './Library.js';
import type { EntryRow } from './types.js';
import { isInside } from '../fs/bytePaths.js';
import { findEntry, getEntry } from './entries.js';
import { listLocations } from './locations.js';

/** Where a path sits in the library: its location and, if recorded, its entry. */
export interface LibraryPlace {
  readonly locationId: number;
  /** The entry at the path, or `undefined` when the location has none there (yet). */
  readonly entry: EntryRow | undefined;
  /** The entry of the path's parent directory, when the path is below the location root and it is recorded. */
  readonly parent: EntryRow | undefined;
}

/**
 * Find a path (bytes) in the library: the innermost location that contains it, then its entry, following
 * names from the location root. `undefined` when no location contains the path.
 */
export function entryAtPath(library: Library, path: Uint8Array): LibraryPlace | undefined {
  let best: { id: number; path: Buffer; rootEntryId: number } | undefined;
  for (const location of listLocations(library)) {
    if (isInside(path, location.path) && (!best || location.path.length > best.path.length)) best = location;
  }
  if (!best) return undefined;
  const rest = Buffer.from(path).subarray(best.path.length);
  const names = splitBytes(rest).filter((n) => n.length > 0);
  let entry = getEntry(library, best.rootEntryId);
  let parent: EntryRow | undefined;
  for (const name of names) {
    if (entry?.kind !== 'dir') return { locationId: best.id, entry: undefined, parent: undefined };
    parent = entry;
    entry = findEntry(library, best.id, entry.id, name);
  }
  return { locationId: best.id, entry, parent };
}

function splitBytes(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x2f) {
      out.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return out;
}
