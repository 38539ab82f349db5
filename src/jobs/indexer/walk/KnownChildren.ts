import type { Library } from '../../library/Library.js';
import {
  KNOWN_GROUPS,
  type KnownEntryRow,
  knownEntriesOfLocation,
  knownGroupsOfLocation,
} from '../indexerQueries.js';

/** A child as the library knows it: `[id, parentId, nameHex, kind, size, mtimeMs, inode, ctimeMs, device]`. */
export type KnownRow = KnownEntryRow;

/** Column of {@link KnownRow}. */
export const K_ID = 0;
export const K_KIND = 3;
export const K_SIZE = 4;
export const K_MTIME = 5;
export const K_INODE = 6;
export const K_CTIME = 7;
export const K_DEVICE = 8;

/** Fields per child in a directory's text (see {@link knownGroupsOfLocation}). */
const FIELDS = 8;

/**
 * The library's children of each directory of a location, for the re-index diff: read in one pass over the
 * location when the first directory asks (one scan costs a fraction of a query per directory), then handed
 * out a directory at a time, keyed by the hex of their name bytes in name byte order, and forgotten.
 *
 * The same rows a query per directory would give when it is read: during a walk the library's children of a
 * directory change only while that directory itself is read (a new path is inserted under the directory
 * being read; a move sets the parent to the directory being read). An entry moved away from a directory not
 * yet read still shows there, and the walk leaves it out (discovery's `takeKnown`), as it did when the batch
 * with the move was not yet written. A resumed job reads the rows again.
 *
 * The pass reads one text per directory ({@link knownGroupsOfLocation}) and parses a directory's children
 * when it is taken; a location with a directory too large for one SQLite string is read by rows instead.
 */
export class KnownChildren {
  readonly #library: Library;
  readonly #locationId: number;
  readonly #groupsSql: string;
  /** Per parent id, its children's text (grouped read) or where its rows start in `#rows` (read by rows). */
  #groups: Map<number, string> | null = null;
  #rows: KnownRow[] | null = null;
  #ranges: Map<number, number> | null = null;

  /** `groupsSql` is for tests: a query that fails as a too-large directory does. @internal */
  constructor(library: Library, locationId: number, groupsSql = KNOWN_GROUPS) {
    this.#library = library;
    this.#locationId = locationId;
    this.#groupsSql = groupsSql;
  }

  /** How the location was read: by one text per directory, or by rows. @internal */
  get readBy(): 'groups' | 'rows' | null {
    return this.#groups ? 'groups' : this.#rows ? 'rows' : null;
  }

  /** The library's children of directory `dirId` by the hex of their name (each directory asks once). */
  take(dirId: number): Map<string, KnownRow> {
    if (this.#groups === null && this.#rows === null) this.#load();
    const children = new Map<string, KnownRow>();
    if (this.#groups) {
      const text = this.#groups.get(dirId);
      if (text === undefined) return children;
      this.#groups.delete(dirId);
      const f = text.split(' ');
      for (let i = 0; i + FIELDS <= f.length; i += FIELDS) {
        const mtime = f[i + 4];
        const mtimeMs = mtime === '' ? null : Number(mtime);
        const inode = f[i + 5];
        const ctime = f[i + 6];
        const device = f[i + 7];
        children.set(f[i], [
          Number(f[i + 1]),
          dirId,
          f[i],
          f[i + 2] as KnownRow[3],
          Number(f[i + 3]),
          mtimeMs,
          inode === '' ? null : Number(inode),
          ctime === '=' ? mtimeMs : ctime === '' ? null : Number(ctime),
          device === '' ? null : Number(device),
        ]);
      }
      return children;
    }
    const rows = this.#rows!;
    const start = this.#ranges!.get(dirId);
    if (start === undefined) return children;
    this.#ranges!.delete(dirId);
    for (let i = start; i < rows.length && rows[i]?.[1] === dirId; i++) {
      children.set(rows[i][2], rows[i]);
      (rows as (KnownRow | undefined)[])[i] = undefined; // handed out: let it go with its directory
    }
    return children;
  }

  #load(): void {
    try {
      this.#groups = new Map(knownGroupsOfLocation(this.#library, this.#locationId, this.#groupsSql));
      return;
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== 'SQLITE_TOOBIG') throw error;
    }
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
