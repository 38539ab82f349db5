import type { Library } from '../../library/Library.js';
import { type KnownChild, knownEntriesOfLocation } from '../indexerQueries.js';

/**
 * The library's children of each directory of a location, for the re-index diff: read in one pass over the
 * location when the first directory asks (one scan costs a fraction of a query per directory), then handed
 * out a directory at a time and forgotten.
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
  #byParent: Map<number, KnownChild[]> | null = null;

  constructor(library: Library, locationId: number) {
    this.#library = library;
    this.#locationId = locationId;
  }

  /** The library's children of directory `dirId` (each directory is asked once). */
  take(dirId: number): KnownChild[] {
    if (this.#byParent === null) this.#byParent = this.#load();
    const children = this.#byParent.get(dirId);
    if (children === undefined) return [];
    this.#byParent.delete(dirId);
    return children;
  }

  #load(): Map<number, KnownChild[]> {
    const byParent = new Map<number, KnownChild[]>();
    for (const [id, parentId, name, kind, size, mtimeMs, inode] of knownEntriesOfLocation(
      this.#library,
      this.#locationId,
    )) {
      let list = byParent.get(parentId);
      if (list === undefined) {
        list = [];
        byParent.set(parentId, list);
      }
      list.push({ id, name, kind, size, mtimeMs, inode });
    }
    return byParent;
  }
}
