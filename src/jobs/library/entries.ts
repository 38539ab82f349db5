/**
 * The `entries` table: one row per path of a location (names as bytes), with its directory totals. Shared by
 * every job. Functions take the {@link Library} first and use its statement cache; writes other than
 * {@link reserveEntryIds} run in the caller's transaction (see {@link Library}).
 */
import * as nodePath from 'node:path';
import { unlinkContentId } from './contentIdentities.js';
import { EntryExistsError } from './EntryExistsError.js';
import { EntryNotFoundError } from './EntryNotFoundError.js';
import type { Library } from './Library.js';
import { LibraryCorruptError } from './LibraryCorruptError.js';
import {
  ANCESTRY,
  CHANGE_COLUMNS,
  ENTRY_COLUMNS,
  INSERT_ENTRY,
  SUBTREE,
  SUMMARY_COLUMNS,
} from './librarySql.js';
import type { EntryChanges, EntryRow, EntrySummary, EntryUpdate, NewEntry } from './types.js';

const SEPARATOR = Buffer.from(nodePath.sep);

/**
 * Insert a batch of entries and return their ids, in order. A row without an `id` gets one from the same
 * counter as {@link reserveEntryIds}, so it never takes an id reserved by a job. Parents must be inserted
 * before (or in an earlier row than) their children. Runs in the caller's transaction.
 *
 * @throws {EntryExistsError} when an entry with the same location, parent and name bytes (or id) exists.
 */
export function insertEntries(library: Library, rows: readonly NewEntry[]): number[] {
  const insert = library.statements.get(INSERT_ENTRY);
  let missing = 0;
  for (const r of rows) if (r.id === undefined) missing++;
  let next = missing === 0 ? 0 : allocateEntryIds(library, missing);
  const ids = new Array<number>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const id = r.id ?? next++;
    try {
      insert.run(
        id,
        r.locationId,
        r.parentId,
        r.name,
        r.nameText ?? textOf(r.name),
        r.extension ?? null,
        r.kind,
        r.size ?? 0,
        r.inode ?? null,
        r.device ?? null,
        r.mtimeMs ?? null,
        r.ctimeMs ?? null,
        r.mode ?? null,
        r.symlinkTarget ?? null,
      );
      ids[i] = id;
    } catch (error) {
      if (isUniqueViolation(error)) throw new EntryExistsError(r.locationId, r.parentId, r.name, error);
      throw error;
    }
  }
  return ids;
}

/**
 * Reserve `count` consecutive entry ids and return the first: ids a job hands out itself (and keeps in its
 * checkpoint), so that a resumed job inserts the same entries under the same ids. No other reservation and
 * no insert without an id ever gets them. Outside a transaction the reservation commits at once; a crash
 * before the ids are used only leaves a gap.
 *
 * @example
 * ```ts
 * const first = reserveEntryIds(library, 1000); // ids first .. first + 999 are the caller's
 * ```
 */
export function reserveEntryIds(library: Library, count: number): number {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new RangeError(`Reserve a positive whole number of entry ids, got ${count}.`);
  }
  return allocateEntryIds(library, count);
}

/**
 * @internal Take `count` ids from the counter in `library_meta`, as an IMMEDIATE transaction (a savepoint in
 * the caller's). The counter never goes below `max(id) + 1`, so ids written with explicit values (or by hand)
 * are never handed out again.
 */
export function allocateEntryIds(library: Library, count: number): number {
  return library.immediate(() => {
    const stored = library.statements
      .pluck("SELECT value FROM library_meta WHERE key = 'next_entry_id'")
      .get() as string | undefined;
    const afterMax = library.statements.pluck('SELECT coalesce(max(id), 0) + 1 FROM entries').get() as number;
    const first = Math.max(stored === undefined ? 1 : Number(stored), afterMax);
    library.statements
      .get("INSERT OR REPLACE INTO library_meta (key, value) VALUES ('next_entry_id', ?)")
      .run(String(first + count));
    return first;
  });
}

/**
 * Change columns of existing entries (a move changes `parentId` and `name`; a modification `size`,
 * `mtimeMs`...; aggregation the counts). Returns how many rows changed. Runs in the caller's transaction.
 *
 * @throws {EntryExistsError} when a move would give two entries the same location, parent and name.
 */
export function updateEntries(library: Library, rows: readonly EntryUpdate[]): number {
  let changed = 0;
  for (const row of rows) {
    const keys: (keyof EntryChanges)[] = [];
    for (const key of Object.keys(row)) {
      if (key === 'id' || row[key as keyof EntryUpdate] === undefined) continue;
      if (!Object.hasOwn(CHANGE_COLUMNS, key)) {
        throw new TypeError(
          `updateEntries cannot change "${key}": the content id changes with setContentIds, the location never.`,
        );
      }
      keys.push(key as keyof EntryChanges);
    }
    if (row.name !== undefined && row.nameText === undefined) keys.push('nameText');
    if (keys.length === 0) continue;
    const sql = `UPDATE entries SET ${keys.map((k) => `${CHANGE_COLUMNS[k]} = ?`).join(', ')} WHERE id = ?`;
    const values = keys.map((k) => (k === 'nameText' ? (row.nameText ?? textOf(row.name!)) : row[k]));
    try {
      changed += library.statements.get(sql).run(...values, row.id).changes;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const before = getEntry(library, row.id)!;
      const parentId = row.parentId ?? before.parentId ?? 0;
      throw new EntryExistsError(before.locationId, parentId, row.name ?? before.name, error);
    }
  }
  return changed;
}

/**
 * Delete entries together with everything under them (a deleted directory takes its subtree), keeping the
 * content identities' counts right. Ids already gone are skipped. Returns how many entries were deleted.
 * Runs in the caller's transaction.
 *
 * @throws {TypeError} for a location's root entry: use `deleteLocation`.
 */
export function deleteEntries(library: Library, ids: readonly number[]): number {
  const isRoot = library.statements.pluck('SELECT parent_id IS NULL FROM entries WHERE id = ?');
  let deleted = 0;
  for (const id of ids) {
    if (isRoot.get(id) === 1) {
      throw new TypeError(
        `Entry ${id} is the root of its location: delete the location with deleteLocation.`,
      );
    }
    deleted += deleteSubtree(library, id);
  }
  return deleted;
}

/** How many entries {@link deleteEntries} of `ids` would delete now: the entries and everything under them. */
export function countSubtrees(library: Library, ids: readonly number[]): number {
  let count = 0;
  for (const id of ids) count += library.statements.get(SUBTREE).all(id).length;
  return count;
}

/** @internal Delete an entry and its subtree, unlinking their content ids; returns how many entries. */
export function deleteSubtree(library: Library, entryId: number): number {
  const rows = library.statements.get(SUBTREE).all(entryId) as { id: number; contentId: string | null }[];
  const remove = library.statements.get('DELETE FROM entries WHERE id = ?');
  for (const row of rows) {
    if (row.contentId !== null) unlinkContentId(library, row.contentId);
    remove.run(row.id);
  }
  return rows.length;
}

/**
 * The entries of a location, with the columns change detection compares, by id.
 * Lazy: while it is being iterated the connection runs no other statement, so read it to the end (or
 * collect it) before writing.
 */
export function entriesOfLocation(library: Library, locationId: number): IterableIterator<EntrySummary> {
  // `+location_id` keeps SQLite off the indexes: a scan in rowid order needs no sort and no lookup per row,
  // and a location is usually most of the table.
  const query = library.statements.get(
    `SELECT ${SUMMARY_COLUMNS} FROM entries WHERE +location_id = ? ORDER BY id`,
  );
  return query.iterate(locationId) as IterableIterator<EntrySummary>;
}

/** The entry with this id, or `undefined`. */
export function getEntry(library: Library, entryId: number): EntryRow | undefined {
  return library.statements.get(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE id = ?`).get(entryId) as
    | EntryRow
    | undefined;
}

/** The entry named exactly `name` (bytes) under `parentId` in the location, or `undefined`. */
export function findEntry(
  library: Library,
  locationId: number,
  parentId: number,
  name: Uint8Array,
): EntryRow | undefined {
  const query = library.statements.get(
    `SELECT ${ENTRY_COLUMNS} FROM entries WHERE location_id = ? AND parent_id = ? AND name = ?`,
  );
  return query.get(locationId, parentId, name) as EntryRow | undefined;
}

/** The entries of the location with this inode and device (hard links give several), by id. */
export function findByInode(
  library: Library,
  locationId: number,
  inode: number | bigint,
  device: number | bigint,
): EntryRow[] {
  const query = library.statements.get(
    `SELECT ${ENTRY_COLUMNS} FROM entries WHERE location_id = ? AND inode = ? AND device = ? ORDER BY id`,
  );
  return query.all(locationId, inode, device) as EntryRow[];
}

/** The children of a directory entry, by name bytes. */
export function childrenOf(library: Library, parentId: number): EntryRow[] {
  const query = library.statements.get(
    `SELECT ${ENTRY_COLUMNS} FROM entries
       WHERE location_id = (SELECT location_id FROM entries WHERE id = ?) AND parent_id = ? ORDER BY name`,
  );
  return query.all(parentId, parentId) as EntryRow[];
}

/** A directory of a location as {@link dirsOfLocation} lists it. */
export interface DirRow {
  readonly id: number;
  readonly parentId: number | null;
  readonly name: Buffer;
}

/** The directories of a location (id, parent, name bytes), to rebuild paths without a query per entry. */
export function dirsOfLocation(library: Library, locationId: number): DirRow[] {
  const query = library.statements.get(
    `SELECT id, parent_id AS parentId, name FROM entries WHERE +location_id = ? AND kind = 'dir' ORDER BY id`,
  );
  return query.all(locationId) as DirRow[];
}

/**
 * The absolute path of an entry as bytes: the location's path joined with the names from the root down.
 *
 * @throws {EntryNotFoundError} when there is no such entry.
 * @throws {LibraryCorruptError} when its chain of parents does not reach its location's root.
 */
export function pathOf(library: Library, entryId: number): Buffer {
  const chain = library.statements.get(ANCESTRY).all(entryId) as {
    id: number;
    parentId: number | null;
    name: Buffer;
  }[];
  if (chain.length === 0) throw new EntryNotFoundError(entryId);
  if (chain[0].parentId !== null) {
    throw new LibraryCorruptError(
      library.file,
      `the parents of entry ${entryId} do not lead to a location root`,
    );
  }
  const base = library.statements
    .pluck('SELECT l.path FROM locations l JOIN entries e ON e.location_id = l.id WHERE e.id = ?')
    .get(chain[0].id) as Buffer | undefined;
  if (base === undefined) {
    throw new LibraryCorruptError(library.file, `entry ${entryId} belongs to no location`);
  }
  const parts: Buffer[] = [base];
  const endsWithSeparator = base.subarray(base.length - SEPARATOR.length).equals(SEPARATOR);
  for (let i = 1; i < chain.length; i++) {
    if (i > 1 || !endsWithSeparator) parts.push(SEPARATOR);
    parts.push(chain[i].name);
  }
  return Buffer.concat(parts);
}

/**
 * Add `sizeDelta` to the aggregate size and `fileDelta` to the file count of a directory entry and of every
 * directory above it: what a copy into, or a delete from, an indexed tree changes without a re-index.
 * Runs in the caller's transaction.
 */
export function adjustTotalsUpward(
  library: Library,
  entryId: number,
  sizeDelta: number,
  fileDelta: number,
): void {
  const ids = (library.statements.get(ANCESTRY).all(entryId) as { id: number }[]).map((r) => r.id);
  const update = library.statements.get(
    `UPDATE entries SET aggregate_size = max(0, aggregate_size + ?), file_count = max(0, file_count + ?)
       WHERE id = ? AND kind = 'dir'`,
  );
  for (const id of ids) update.run(sizeDelta, fileDelta, id);
}

/**
 * Add `delta` to a directory entry's child count (never below 0): a child recorded or removed without a
 * re-index. Runs in the caller's transaction.
 */
export function adjustChildCount(library: Library, entryId: number, delta: number): void {
  library.statements
    .get('UPDATE entries SET child_count = max(0, child_count + ?) WHERE id = ?')
    .run(delta, entryId);
}

/** Names for display: UTF-8, invalid sequences as U+FFFD. Never used to find anything. */
function textOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
