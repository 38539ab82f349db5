/**
 * The indexer's own queries on the shared `entries` table: its phases' work lists and cursors. Functions take
 * the library first and use its statement cache (each statement prepared once per connection).
 */
import type { Library } from '../library/Library.js';

/** A directory's child, with the columns discovery's diff compares. */
export interface KnownChild {
  readonly id: number;
  readonly name: Buffer;
  readonly kind: 'file' | 'dir' | 'symlink';
  readonly size: number;
  readonly mtimeMs: number | null;
  readonly inode: number | null;
  readonly ctimeMs: number | null;
  readonly device: number | null;
}

/** A file of the content phase's work list. */
export interface UnhashedFile {
  readonly id: number;
  readonly size: number;
  readonly parentId: number;
  readonly name: Buffer;
  readonly extension: string | null;
}

/** How many entries of the location there are besides its root (0: a cold index, nothing to compare). */
export function countEntriesBelowRoot(library: Library, locationId: number): number {
  return library.statements
    .pluck('SELECT count(*) FROM entries WHERE location_id = ? AND parent_id IS NOT NULL')
    .get(locationId) as number;
}

/** The children of a directory with the columns discovery compares (the library's `childrenOf` reads all). */
export function knownChildren(library: Library, locationId: number, parentId: number): KnownChild[] {
  return library.statements
    .get(
      'SELECT id, name, kind, size, mtime_ms AS mtimeMs, inode, ctime_ms AS ctimeMs, device FROM entries WHERE location_id = ? AND parent_id = ?',
    )
    .all(locationId, parentId) as KnownChild[];
}

/** @internal The read of a re-indexed location by rows (see {@link knownEntriesOfLocation}). */
export const KNOWN_ENTRIES =
  'SELECT id, parent_id, lower(hex(name)), kind, size, mtime_ms, inode, ctime_ms, device FROM entries WHERE location_id = ? AND parent_id IS NOT NULL ORDER BY parent_id';

/** A row of {@link knownEntriesOfLocation}: `[id, parentId, nameHex, kind, size, mtimeMs, inode, ctimeMs, device]`. */
export type KnownEntryRow = [
  id: number,
  parentId: number,
  nameHex: string,
  kind: KnownChild['kind'],
  size: number,
  mtimeMs: number | null,
  inode: number | null,
  ctimeMs: number | null,
  device: number | null,
];

/**
 * Every entry of the location below its root as a {@link KnownEntryRow}, by parent (the unique index's order),
 * names in byte order within a parent. The name comes as hex text (its
 * bytes, exactly): a JS string costs a fraction of a Buffer per row, and it is what the diff keys on
 * (lowercase, as `Buffer#toString('hex')`). Discovery reads {@link knownGroupsOfLocation} instead, and this
 * when a directory's group is too large for one SQLite string.
 */
export function knownEntriesOfLocation(library: Library, locationId: number): KnownEntryRow[] {
  return library.statements.raw(KNOWN_ENTRIES).all(locationId) as KnownEntryRow[];
}

/**
 * @internal Discovery's read of a re-indexed location (see {@link knownGroupsOfLocation}). SQLite writes a REAL
 * as text that reads back as the same double (exact round trip since SQLite 3.45; `knownChildren.test.ts`
 * checks the bundled one): the mtimes and ctimes compare exactly.
 */
export const KNOWN_GROUPS = `SELECT parent_id, group_concat(lower(hex(name)) || ' ' || id || ' ' || kind || ' ' || size
  || ' ' || ifnull(mtime_ms, '') || ' ' || ifnull(inode, '') || ' ' || CASE WHEN ctime_ms = mtime_ms THEN '=' ELSE ifnull(ctime_ms, '') END
  || ' ' || ifnull(device, ''),
  ' ' ORDER BY name)
  FROM entries WHERE location_id = ? AND parent_id IS NOT NULL GROUP BY parent_id`;

/**
 * The children of every directory of the location, one row per directory: `[parentId, text]`, the text
 * holding eight space-separated fields per child (name as lowercase hex, id, kind, size, then mtime, inode,
 * ctime and device, each empty when null; the ctime is `=` when it equals the mtime, as it does for a file
 * written once: a shorter text, and one number less to parse), children in name byte order. The same values as {@link knownEntriesOfLocation}, read in about
 * half the time: one JS string per directory instead of an array of seven values per entry, and a directory's
 * children are parsed only when the diff reaches it.
 * @throws the `SQLITE_TOOBIG` error of SQLite when a directory's text would pass its string limit (a
 *   billion bytes: about 1.7 million children with long names); read by rows then.
 */
export function knownGroupsOfLocation(
  library: Library,
  locationId: number,
  sql = KNOWN_GROUPS,
): [number, string][] {
  return library.statements.raw(sql).all(locationId) as [number, string][];
}

/** How many non-empty files of the location after `afterId` have no content id: the content phase's total. */
export function countUnhashedFiles(library: Library, locationId: number, afterId: number): number {
  return library.statements
    .pluck(
      `SELECT count(*) FROM entries WHERE location_id = ? AND id > ? AND kind = 'file' AND size > 0 AND content_id IS NULL`,
    )
    .get(locationId, afterId) as number;
}

/** @internal The content phase's page (see {@link unhashedFiles}). */
export const UNHASHED_FILES = `SELECT id, size, parent_id AS parentId, name, extension FROM entries
  WHERE +location_id = ? AND id > ? AND kind = 'file' AND size > 0 AND content_id IS NULL ORDER BY id LIMIT ?`;

/** @internal The deep phase's page (see {@link unsniffedFiles}). */
export const UNSNIFFED_FILES = `SELECT id, size FROM entries
  WHERE +location_id = ? AND id > ? AND kind = 'file' AND mime IS NULL ORDER BY id LIMIT ?`;

/**
 * The next `limit` non-empty files after `afterId` without a content id, by id: a content phase batch. A rowid
 * range scan from the cursor (`+location_id` keeps SQLite off `entries_by_inode`, which it would otherwise
 * pick and then sort the whole location for every page: measured 4 of the 11 s of a 100,000-file content
 * phase).
 */
export function unhashedFiles(
  library: Library,
  locationId: number,
  afterId: number,
  limit: number,
): UnhashedFile[] {
  return library.statements.get(UNHASHED_FILES).all(locationId, afterId, limit) as UnhashedFile[];
}

/** How many files of the location after `afterId` have no MIME type yet: the deep phase's total. */
export function countUnsniffedFiles(library: Library, locationId: number, afterId: number): number {
  return library.statements
    .pluck(`SELECT count(*) FROM entries WHERE location_id = ? AND id > ? AND kind = 'file' AND mime IS NULL`)
    .get(locationId, afterId) as number;
}

/** The next `limit` files after `afterId` without a MIME type, by id: a deep phase batch (a rowid range scan, as above). */
export function unsniffedFiles(
  library: Library,
  locationId: number,
  afterId: number,
  limit: number,
): { id: number; size: number }[] {
  return library.statements.get(UNSNIFFED_FILES).all(locationId, afterId, limit) as {
    id: number;
    size: number;
  }[];
}

/**
 * The entries of a location as `[id, parentId, kind, size]`, by id, after `afterId`, at most `limit`: a
 * page of a walk over the whole location that holds one page in memory (aggregation).
 */
export function entryTotalsPage(
  library: Library,
  locationId: number,
  afterId: number,
  limit: number,
): [id: number, parentId: number | null, kind: 'file' | 'dir' | 'symlink', size: number][] {
  // A rowid range scan from the cursor (`+location_id` keeps SQLite off the indexes).
  return library.statements
    .raw(
      'SELECT id, parent_id, kind, size FROM entries WHERE +location_id = ? AND id > ? ORDER BY id LIMIT ?',
    )
    .all(locationId, afterId, limit) as [number, number | null, 'file' | 'dir' | 'symlink', number][];
}
