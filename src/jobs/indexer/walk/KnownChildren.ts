import type { Library } from '../../library/Library.js';
import { knownEntriesOfLocation } from '../indexerQueries.js';

/** A child as the library knows it: `[id, parentId, nameHex, kind, size, mtimeMs, inode]`. */
export type KnownRow = ReturnType<typeof knownEntriesOfLocation>[number];

/** Column of {@link KnownRow}. */
export const K_ID = 0;
export const K_KIND = 3;
export const K_SIZE = 4;
export const K_MTIME = 5;
export const K_INODE = 6;

/**
 * The library's children of each directory of a location, for the re-index diff: read in one pass over the
 * location when the first directory asks (one scan costs a fraction of a query per directory), then handed
 * out a directory at a time, keyed by the hex of their name bytes, and forgotten.
 *
 * The same rows a query per directory would give when it is read: during a walk the library's children of a
 * directory change only while that directory itself is read (a new path is inserted under the directory
 * being read; a move sets the parent to the directory being read). An entry moved away from a directory not
 * yet read still shows there, and the walk leaves it out through `state.moved`, as it did when the batch
 * with the move was not yet written. A resumed job reads the rows again.
 */
export class KnownChildren {
  readonly #library: Library;
  readonly #locationId: number;
  #rows: KnownRow[] | null = null;
  /** Per parent id, where its rows start and end in `#rows` (they come grouped by parent). */
  #ranges: Map<number, number> | null = null;

  constructor(library: Library, locationId: number) {
    this.#library = library;
    this.#locationId = locationId;
  }

  /** The library's children of directory `dirId` by the hex of their name (each directory asks once). */
  take(dirId: number): Map<string, KnownRow> {
    if (this.#rows === null) this.#load();
    const rows = this.#rows!;
    const start = this.#ranges!.get(dirId);
    const children = new Map<string, KnownRow>();
    if (start === undefined) return children;
    this.#ranges!.delete(dirId);
    for (let i = start; i < rows.length && rows[i]?.[1] === dirId; i++) {
      children.set(rows[i][2], rows[i]);
      (rows as (KnownRow | undefined)[])[i] = undefined; // handed out: let it go with its directory
    }
    return children;
  }

  #load(): void {
    const rows = knownEntriesOfLocation(this.#library, this.#locationId);
    const ranges = new Map<number, number>();
    let parent = -1;
    for (let i = 0; i < rows.length; i++) {
      const p = rows[i][1];
      if (p !== parent) {
        parent = p;
        ranges.set(p, i);
      }
    }
    this.#rows = rows;
    this.#ranges = ranges;
  }
}
