import type { EntryUpdate } from '../../library/types.js';

/** What a directory's own children add up to, before its subdirectories are rolled in. */
interface Own {
  childCount: number;
  size: number;
  files: number;
}

/**
 * Directory totals, bottom-up: fed every entry of a location (its id, parent, kind and size, in any order),
 * it gives each directory's aggregate size (bytes of files and links below it), direct child count and the
 * number of files in its subtree. Holds per directory only its parent and the sums of its direct children,
 * so its memory grows with the number of directories, not of entries.
 */
export class DirectorySums {
  /** Sums by parent id; a parent that turns out not to be a directory is dropped at the end. */
  readonly #byParent = new Map<number, Own>();
  readonly #dirs = new Map<number, number | null>();

  #own(id: number): Own {
    let o = this.#byParent.get(id);
    if (o === undefined) {
      o = { childCount: 0, size: 0, files: 0 };
      this.#byParent.set(id, o);
    }
    return o;
  }

  /** Count one entry. */
  add(id: number, parentId: number | null, kind: string, size: number): void {
    if (kind === 'dir') {
      this.#dirs.set(id, parentId);
      this.#own(id);
    }
    if (parentId === null) return;
    const p = this.#own(parentId);
    p.childCount++;
    if (kind !== 'dir') {
      p.size += size;
      if (kind === 'file') p.files++;
    }
  }

  /** Every directory's totals, as updates (directories in the order they were added). */
  updates(): EntryUpdate[] {
    const totals = new Map<number, { aggregateSize: number; childCount: number; fileCount: number }>();
    for (const id of this.#dirs.keys()) {
      totals.set(id, { aggregateSize: 0, childCount: this.#byParent.get(id)!.childCount, fileCount: 0 });
    }
    // Roll each directory's direct sums into it and its ancestors: O(directories x depth).
    for (const [id, o] of this.#byParent) {
      if (!this.#dirs.has(id) || (o.size === 0 && o.files === 0)) continue;
      for (let p: number | null | undefined = id; p !== null && p !== undefined; p = this.#dirs.get(p)) {
        const t = totals.get(p);
        if (!t) break;
        t.aggregateSize += o.size;
        t.fileCount += o.files;
      }
    }
    const updates: EntryUpdate[] = [];
    for (const [id, t] of totals) updates.push({ id, ...t });
    return updates;
  }
}

/**
 * Sums discovery gathered while it inserted a whole location (a first index, walked start to end by one
 * execution of the phase), handed to aggregation in memory. Keyed by the job's state object: a retried or
 * resumed phase works on another object, finds nothing here, and aggregation reads the library instead.
 */
export const gatheredSums = new WeakMap<object, DirectorySums>();
