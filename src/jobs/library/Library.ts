import * as nodePath from 'node:path';
import type Database from 'better-sqlite3';
import type { Clock } from '../../phases/types.js';
import { EntryExistsError } from './EntryExistsError.js';
import { EntryNotFoundError } from './EntryNotFoundError.js';
import { LibraryCorruptError } from './LibraryCorruptError.js';
import {
  ANCESTRY,
  CHANGE_COLUMNS,
  ENTRY_COLUMNS,
  INSERT_ENTRY,
  LOCATION_COLUMNS,
  LOCATIONS,
  SUBTREE,
  SUMMARY_COLUMNS,
} from './librarySql.js';
import { locationPath } from './locationPath.js';
import { retryBusySync } from './retryBusy.js';
import type {
  ContentIdAssignment,
  ContentIdentityRow,
  EntryChanges,
  EntryRow,
  EntrySummary,
  EntryUpdate,
  LocationRow,
  NewEntry,
} from './types.js';

const SEPARATOR = Buffer.from(nodePath.sep);

interface StoredLocation extends Omit<LocationRow, 'options'> {
  readonly options: string | null;
}

/** What {@link Library}'s constructor needs; {@link openLibrary} provides it. */
export interface LibraryInit {
  /** Whether the library opened the connection (and so closes it). */
  readonly owned: boolean;
  readonly clock: Pick<Clock, 'now'>;
  readonly schemaVersion: number;
  /** How long the library's own transactions retry a busy database. Default 10 minutes. */
  readonly busyRetryMs?: number;
}

/**
 * The library database: locations, their entries (one per path, names as bytes), content identities and
 * thumbnails, behind the statements the jobs need. Open it with {@link openLibrary}.
 *
 * Transactions belong to the caller. Write methods other than `upsertLocation`, `deleteLocation` and
 * `reserveEntryIds` (which are atomic on their own, as savepoints inside a caller's transaction) run their
 * statements on the connection as they are and open no transaction of their own: call them inside
 * `db.transaction(...)` or, to commit a batch together with a job's checkpoint, inside
 * `SqliteStore.save(jobId, bytes, meta, { atomicWith })` on the same connection. Outside a transaction every
 * statement commits on its own: slow, and a crash can leave a batch half written.
 *
 * The library's own transactions (`upsertLocation`, `deleteLocation`, `reserveEntryIds`, the id counter of
 * `insertEntries`) are IMMEDIATE: they take the write lock before their first read, so another connection
 * committing meanwhile cannot fail them with `SQLITE_BUSY_SNAPSHOT`; outside a caller's transaction a busy
 * library is retried with backoff for up to `busyRetryMs` (default 10 minutes) before a `LibraryBusyError`.
 * A caller's transaction that reads before it writes must be IMMEDIATE too (`SqliteStore.save` is), and a
 * job's checkpoint is retried by the runtime (`busyRetryMs`).
 *
 * Every statement is prepared once and cached. No method holds job logic: what is new, moved or deleted is
 * the indexer's to decide.
 */
export class Library {
  /** The connection, shared with whoever passed it to {@link openLibrary}. */
  readonly db: Database.Database;
  /** The schema version of the library, which is this code's {@link LIBRARY_SCHEMA_VERSION}. */
  readonly schemaVersion: number;
  readonly #owned: boolean;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #busyRetryMs: number | undefined;

  /** @internal Use {@link openLibrary}, which migrates the schema first. */
  constructor(db: Database.Database, init: LibraryInit) {
    this.db = db;
    this.schemaVersion = init.schemaVersion;
    this.#owned = init.owned;
    this.#clock = init.clock;
    this.#busyRetryMs = init.busyRetryMs;
  }

  /** The database file (`:memory:` for an in-memory one). */
  get file(): string {
    return this.db.name;
  }

  /** Close the connection if {@link openLibrary} opened it; a connection passed in stays open. Idempotent. */
  close(): void {
    this.#statements.clear();
    if (this.#owned && this.db.open) this.db.close();
  }

  // ---------------------------------------------------------------------------------------------- locations

  /**
   * The location at `path`, created with its root entry if new. `options` (JSON-able, e.g. indexer rules)
   * replace the stored ones when given and are kept when omitted. Atomic on its own (a savepoint inside the
   * caller's transaction).
   *
   * @param path The absolute path, as bytes (exact, for non-UTF-8 paths) or a string (encoded as UTF-8);
   *   normalized (`.`/`..` segments and trailing separators removed).
   */
  upsertLocation(path: Uint8Array | string, options?: unknown): LocationRow {
    const bytes = locationPath(path);
    return this.#immediate(() => {
      const found = this.#location('WHERE l.path = ?', bytes);
      if (found === undefined) {
        const text = bytes.toString('utf8');
        const { lastInsertRowid } = this.#statement(
          'INSERT INTO locations (path, path_text, created_at, options) VALUES (?, ?, ?, ?)',
        ).run(bytes, text, this.#clock.now(), options === undefined ? null : JSON.stringify(options));
        this.#statement(
          `INSERT INTO entries (id, location_id, parent_id, name, name_text, kind) VALUES (?, ?, NULL, x'', ?, 'dir')`,
        ).run(this.#allocate(1), lastInsertRowid, text);
      } else if (options !== undefined) {
        this.#statement('UPDATE locations SET options = ? WHERE id = ?').run(
          JSON.stringify(options),
          found.id,
        );
      }
      return this.#location('WHERE l.path = ?', bytes)!;
    });
  }

  /** The location at exactly this path (normalized like {@link upsertLocation}), or `undefined`. */
  getLocationByPath(path: Uint8Array | string): LocationRow | undefined {
    return this.#location('WHERE l.path = ?', locationPath(path));
  }

  /** The location with this id, or `undefined`. */
  getLocation(locationId: number): LocationRow | undefined {
    return this.#location('WHERE l.id = ?', locationId);
  }

  /** All locations, by id. */
  listLocations(): LocationRow[] {
    const rows = this.#statement(`SELECT ${LOCATION_COLUMNS} FROM ${LOCATIONS} ORDER BY l.id`).all();
    return (rows as StoredLocation[]).map(parseLocation);
  }

  /** Record that an index of the location finished at `at` (default: now, from the library's clock). */
  markLocationIndexed(locationId: number, at: number = this.#clock.now()): void {
    this.#statement('UPDATE locations SET last_indexed_at = ? WHERE id = ?').run(at, locationId);
  }

  /**
   * Delete the location, all its entries (keeping content identity counts right) and its row. Atomic on its
   * own (a savepoint inside the caller's transaction). Returns the number of entries deleted.
   */
  deleteLocation(locationId: number): number {
    return this.#immediate(() => {
      const location = this.getLocation(locationId);
      if (location === undefined) return 0;
      const deleted = this.#deleteSubtree(location.rootEntryId);
      this.#statement('DELETE FROM locations WHERE id = ?').run(locationId);
      return deleted;
    });
  }

  // ------------------------------------------------------------------------------------------------ entries

  /**
   * Insert a batch of entries and return their ids, in order. A row without an `id` gets one from the same
   * counter as {@link reserveEntryIds}, so it never takes an id reserved by a job. Parents must be inserted
   * before (or in an earlier row than) their children. Runs in the caller's transaction (see the class notes).
   *
   * @throws {EntryExistsError} when an entry with the same location, parent and name bytes (or id) exists.
   */
  insertEntries(rows: readonly NewEntry[]): number[] {
    const insert = this.#statement(INSERT_ENTRY);
    let missing = 0;
    for (const r of rows) if (r.id === undefined) missing++;
    let next = missing === 0 ? 0 : this.#allocate(missing);
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
   * const first = library.reserveEntryIds(1000); // ids first .. first + 999 are the caller's
   * ```
   */
  reserveEntryIds(count: number): number {
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new RangeError(`Reserve a positive whole number of entry ids, got ${count}.`);
    }
    return this.#allocate(count);
  }

  /**
   * Change columns of existing entries (a move changes `parentId` and `name`; a modification `size`,
   * `mtimeMs`...; aggregation the counts). Returns how many rows changed. Runs in the caller's transaction.
   *
   * @throws {EntryExistsError} when a move would give two entries the same location, parent and name.
   */
  updateEntries(rows: readonly EntryUpdate[]): number {
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
        changed += this.#statement(sql).run(...values, row.id).changes;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const before = this.getEntry(row.id)!;
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
   * @throws {TypeError} for a location's root entry: use {@link deleteLocation}.
   */
  deleteEntries(ids: readonly number[]): number {
    const isRoot = this.#statement('SELECT parent_id IS NULL FROM entries WHERE id = ?').pluck();
    let deleted = 0;
    for (const id of ids) {
      if (isRoot.get(id) === 1) {
        throw new TypeError(
          `Entry ${id} is the root of its location: delete the location with deleteLocation.`,
        );
      }
      deleted += this.#deleteSubtree(id);
    }
    return deleted;
  }

  /**
   * The entries of a location, with the columns change detection compares, by id.
   * Lazy: while it is being iterated the connection runs no other statement, so read it to the end (or
   * collect it) before writing.
   */
  entriesOfLocation(locationId: number): IterableIterator<EntrySummary> {
    // `+location_id` keeps SQLite off the indexes: a scan in rowid order needs no sort and no lookup per row,
    // and a location is usually most of the table.
    const query = this.#statement(
      `SELECT ${SUMMARY_COLUMNS} FROM entries WHERE +location_id = ? ORDER BY id`,
    );
    return query.iterate(locationId) as IterableIterator<EntrySummary>;
  }

  /** The entry with this id, or `undefined`. */
  getEntry(entryId: number): EntryRow | undefined {
    return this.#statement(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE id = ?`).get(entryId) as
      | EntryRow
      | undefined;
  }

  /** The entry named exactly `name` (bytes) under `parentId` in the location, or `undefined`. */
  findEntry(locationId: number, parentId: number, name: Uint8Array): EntryRow | undefined {
    const query = this.#statement(
      `SELECT ${ENTRY_COLUMNS} FROM entries WHERE location_id = ? AND parent_id = ? AND name = ?`,
    );
    return query.get(locationId, parentId, name) as EntryRow | undefined;
  }

  /** The entries of the location with this inode and device (hard links give several), by id. */
  findByInode(locationId: number, inode: number | bigint, device: number | bigint): EntryRow[] {
    const query = this.#statement(
      `SELECT ${ENTRY_COLUMNS} FROM entries WHERE location_id = ? AND inode = ? AND device = ? ORDER BY id`,
    );
    return query.all(locationId, inode, device) as EntryRow[];
  }

  /** The children of a directory entry, by name bytes. */
  childrenOf(parentId: number): EntryRow[] {
    const query = this.#statement(
      `SELECT ${ENTRY_COLUMNS} FROM entries
       WHERE location_id = (SELECT location_id FROM entries WHERE id = ?) AND parent_id = ? ORDER BY name`,
    );
    return query.all(parentId, parentId) as EntryRow[];
  }

  /**
   * The absolute path of an entry as bytes: the location's path joined with the names from the root down.
   *
   * @throws {EntryNotFoundError} when there is no such entry.
   * @throws {LibraryCorruptError} when its chain of parents does not reach its location's root.
   */
  pathOf(entryId: number): Buffer {
    const chain = this.#statement(ANCESTRY).all(entryId) as {
      id: number;
      parentId: number | null;
      name: Buffer;
    }[];
    if (chain.length === 0) throw new EntryNotFoundError(entryId);
    if (chain[0].parentId !== null) {
      throw new LibraryCorruptError(
        this.file,
        `the parents of entry ${entryId} do not lead to a location root`,
      );
    }
    const base = this.#statement(
      'SELECT l.path FROM locations l JOIN entries e ON e.location_id = l.id WHERE e.id = ?',
    )
      .pluck()
      .get(chain[0].id) as Buffer | undefined;
    if (base === undefined) {
      throw new LibraryCorruptError(this.file, `entry ${entryId} belongs to no location`);
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
   * Files of the location that are not empty and have no content id yet, by id, after `afterId`: the
   * content phase's work list, read in pages with the last id as its cursor.
   */
  filesWithoutContentId(locationId: number, afterId = 0, limit = 1000): { id: number; size: number }[] {
    const query = this.#statement(
      // A rowid range scan from the cursor, stopping at the limit (see entriesOfLocation for `+location_id`).
      `SELECT id, size FROM entries WHERE +location_id = ? AND id > ? AND kind = 'file' AND size > 0
       AND content_id IS NULL ORDER BY id LIMIT ?`,
    );
    return query.all(locationId, afterId, limit) as { id: number; size: number }[];
  }

  // ------------------------------------------------------------------------------------- content identities

  /**
   * Link entries to content ids (or unlink them with `null`), creating content identities as needed and
   * keeping each identity's `entry_count` equal to the number of entries that have its id. Entries that no
   * longer exist are skipped. Returns how many entries changed. Runs in the caller's transaction.
   */
  setContentIds(rows: readonly ContentIdAssignment[]): number {
    const current = this.#statement('SELECT content_id AS contentId, size FROM entries WHERE id = ?');
    const link = this.#statement(
      `INSERT INTO content_identities (content_id, size, kind, mime, entry_count) VALUES (?, ?, ?, ?, 1)
       ON CONFLICT (content_id) DO UPDATE SET entry_count = entry_count + 1,
         kind = coalesce(excluded.kind, kind), mime = coalesce(excluded.mime, mime)`,
    );
    const describe = this.#statement(
      'UPDATE content_identities SET kind = coalesce(?, kind), mime = coalesce(?, mime) WHERE content_id = ?',
    );
    const set = this.#statement('UPDATE entries SET content_id = ? WHERE id = ?');
    let changed = 0;
    for (const row of rows) {
      const entry = current.get(row.id) as { contentId: string | null; size: number } | undefined;
      if (entry === undefined) continue;
      if (entry.contentId === row.contentId) {
        if (row.contentId !== null) describe.run(row.kind ?? null, row.mime ?? null, row.contentId);
        continue;
      }
      if (entry.contentId !== null) this.#unlink(entry.contentId);
      if (row.contentId !== null) link.run(row.contentId, entry.size, row.kind ?? null, row.mime ?? null);
      set.run(row.contentId, row.id);
      changed++;
    }
    return changed;
  }

  /** The content identity with this id, or `undefined`. */
  getContentIdentity(contentId: string): ContentIdentityRow | undefined {
    const query = this.#statement(
      `SELECT content_id AS contentId, size, kind, mime, entry_count AS entryCount, full_hash AS fullHash,
         full_hash_at AS fullHashAt FROM content_identities WHERE content_id = ?`,
    );
    return query.get(contentId) as ContentIdentityRow | undefined;
  }

  /** Delete content identities no entry links to any more; returns how many. Their thumbnails stay. */
  pruneContentIdentities(): number {
    return this.#statement('DELETE FROM content_identities WHERE entry_count <= 0').run().changes;
  }

  // ------------------------------------------------------------------------------------------------ private

  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Run `fn` as an IMMEDIATE transaction: it takes the write lock before its first read, so a commit by
   * another connection between its reads and its writes cannot fail it with SQLITE_BUSY_SNAPSHOT (a deferred
   * transaction that read first cannot write after another commit, whatever the busy timeout). A busy
   * library is retried with backoff (see retryBusySync). Inside the caller's transaction, a savepoint.
   */
  #immediate<T>(fn: () => T): T {
    return retryBusySync(this.db, () => this.db.transaction(fn).immediate(), {
      ...(this.#busyRetryMs === undefined ? {} : { maxWaitMs: this.#busyRetryMs }),
    });
  }

  #location(where: string, value: unknown): LocationRow | undefined {
    const row = this.#statement(`SELECT ${LOCATION_COLUMNS} FROM ${LOCATIONS} ${where}`).get(value);
    return row === undefined ? undefined : parseLocation(row as StoredLocation);
  }

  /**
   * Take `count` ids from the counter in `library_meta`, in the current transaction. The counter never goes
   * below `max(id) + 1`, so ids written with explicit values (or by hand) are never handed out again.
   */
  #allocate(count: number): number {
    return this.#immediate(() => this.#allocateInTransaction(count));
  }

  #allocateInTransaction(count: number): number {
    const stored = this.#statement("SELECT value FROM library_meta WHERE key = 'next_entry_id'")
      .pluck()
      .get() as string | undefined;
    const afterMax = this.#statement('SELECT coalesce(max(id), 0) + 1 FROM entries').pluck().get() as number;
    const first = Math.max(stored === undefined ? 1 : Number(stored), afterMax);
    this.#statement("INSERT OR REPLACE INTO library_meta (key, value) VALUES ('next_entry_id', ?)").run(
      String(first + count),
    );
    return first;
  }

  #unlink(contentId: string): void {
    this.#statement('UPDATE content_identities SET entry_count = entry_count - 1 WHERE content_id = ?').run(
      contentId,
    );
  }

  #deleteSubtree(entryId: number): number {
    const rows = this.#statement(SUBTREE).all(entryId) as { id: number; contentId: string | null }[];
    const remove = this.#statement('DELETE FROM entries WHERE id = ?');
    for (const row of rows) {
      if (row.contentId !== null) this.#unlink(row.contentId);
      remove.run(row.id);
    }
    return rows.length;
  }

  // --------------------------------------------------------------------------------------------- thumbnails

  /**
   * A page of image contents (identities of kind `image` that some entry still has), largest first, then by
   * content id, after the keyset cursor `after` (`null`: from the largest): the thumbnail job's work list.
   */
  imageContentsBySize(
    after: { size: number; contentId: string } | null,
    limit = 100,
  ): { contentId: string; size: number }[] {
    // A range scan of the partial index content_identities_images_by_size (migration 002), never a sort.
    const columns = 'SELECT content_id AS contentId, size FROM content_identities';
    const order = 'ORDER BY size DESC, content_id LIMIT ?';
    if (after === null) {
      return this.#statement(`${columns} WHERE kind = 'image' AND entry_count > 0 ${order}`).all(limit) as {
        contentId: string;
        size: number;
      }[];
    }
    const query = this.#statement(
      `${columns} WHERE kind = 'image' AND entry_count > 0 AND (size < ? OR (size = ? AND content_id > ?)) ${order}`,
    );
    return query.all(after.size, after.size, after.contentId, limit) as { contentId: string; size: number }[];
  }

  /** The file entries with this content id, by id: the places one content is found. */
  filesWithContentId(
    contentId: string,
  ): { id: number; locationId: number; extension: string | null; mime: string | null }[] {
    const query = this.#statement(
      `SELECT id, location_id AS locationId, extension, mime FROM entries
       WHERE content_id = ? AND kind = 'file' ORDER BY id`,
    );
    return query.all(contentId) as {
      id: number;
      locationId: number;
      extension: string | null;
      mime: string | null;
    }[];
  }

  /** The thumbnails recorded for a content id, by variant; `bytes` is the size of the thumbnail's file. */
  thumbnailsOf(
    contentId: string,
  ): { contentId: string; variant: string; width: number; height: number; bytes: number }[] {
    const query = this.#statement(
      'SELECT content_id AS contentId, variant, width, height, bytes FROM thumbnails WHERE content_id = ? ORDER BY variant',
    );
    return query.all(contentId) as {
      contentId: string;
      variant: string;
      width: number;
      height: number;
      bytes: number;
    }[];
  }

  /** Record thumbnails, replacing those of the same content id and variant. Runs in the caller's transaction. */
  putThumbnails(
    rows: readonly { contentId: string; variant: string; width: number; height: number; bytes: number }[],
  ): void {
    const put = this.#statement(
      'INSERT OR REPLACE INTO thumbnails (content_id, variant, width, height, bytes) VALUES (?, ?, ?, ?, ?)',
    );
    for (const r of rows) put.run(r.contentId, r.variant, r.width, r.height, r.bytes);
  }

  /**
   * Up to `limit` content ids after `afterContentId` that have thumbnails but no entry any more (orphans), in
   * content id order.
   */
  orphanThumbnailContentIds(limit = 1000, afterContentId = ''): string[] {
    const query = this.#statement(
      `SELECT DISTINCT t.content_id FROM thumbnails t
       WHERE t.content_id > ? AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.content_id = t.content_id)
       ORDER BY t.content_id LIMIT ?`,
    );
    return query.pluck().all(afterContentId, limit) as string[];
  }

  /** Delete the thumbnail records of these content ids; returns how many rows. Runs in the caller's transaction. */
  deleteThumbnails(contentIds: readonly string[]): number {
    const remove = this.#statement('DELETE FROM thumbnails WHERE content_id = ?');
    let deleted = 0;
    for (const id of contentIds) deleted += remove.run(id).changes;
    return deleted;
  }

  // ------------------------------------------------------- full hashes and validation (duplicates, validation)

  /**
   * Files of a location whose size (within `[minSize, maxSize]`) is shared with at least one other such file:
   * duplicate detection's candidates. Each row carries the entry's recorded size, mtime, inode, content id
   * and, when one was stored for exactly that size and mtime, its full hash. With `sharedContentOnly`, a file
   * whose content id no other file of the location has is left out (as recorded, it has no duplicate).
   */
  sameSizeFilesOfLocation(
    locationId: number,
    minSize: number,
    maxSize: number,
    sharedContentOnly = false,
  ): {
    id: number;
    parentId: number;
    name: Buffer;
    size: number;
    mtimeMs: number | null;
    inode: number | null;
    device: number | null;
    contentId: string | null;
    fullHash: string | null;
  }[] {
    const query = this.#statement(
      `SELECT e.id, e.parent_id AS parentId, e.name, e.size, e.mtime_ms AS mtimeMs, e.inode, e.device,
         e.content_id AS contentId,
         CASE WHEN h.size = e.size AND h.mtime_ms = e.mtime_ms THEN h.full_hash END AS fullHash
       FROM entries e LEFT JOIN file_hashes h ON h.entry_id = e.id
       WHERE +e.location_id = ? AND e.kind = 'file' AND e.size BETWEEN ? AND ? AND e.size IN (
         SELECT size FROM entries WHERE +location_id = ? AND kind = 'file' AND size BETWEEN ? AND ?
         GROUP BY size HAVING count(*) > 1)
       ${
         sharedContentOnly
           ? `AND (e.content_id IS NULL OR EXISTS (SELECT 1 FROM entries o
                WHERE o.content_id = e.content_id AND o.id <> e.id AND o.location_id = e.location_id AND o.kind = 'file'))`
           : ''
       }`,
    );
    return query.all(locationId, minSize, maxSize, locationId, minSize, maxSize) as ReturnType<
      Library['sameSizeFilesOfLocation']
    >;
  }

  /** The directories of a location (id, parent, name bytes), to rebuild paths without a query per entry. */
  dirsOfLocation(locationId: number): { id: number; parentId: number | null; name: Buffer }[] {
    const query = this.#statement(
      `SELECT id, parent_id AS parentId, name FROM entries WHERE +location_id = ? AND kind = 'dir' ORDER BY id`,
    );
    return query.all(locationId) as { id: number; parentId: number | null; name: Buffer }[];
  }

  /**
   * Entries of a location after `afterId`, by id, with what validation compares (kind, size, mtime, mode) and
   * the stored full hash with the size and mtime it was computed at: validation's work list, in pages.
   */
  entriesToValidate(
    locationId: number,
    afterId: number,
    limit: number,
  ): {
    id: number;
    parentId: number | null;
    name: Buffer;
    kind: 'file' | 'dir' | 'symlink';
    size: number;
    mtimeMs: number | null;
    mode: number | null;
    extension: string | null;
    contentId: string | null;
    hashSize: number | null;
    hashMtimeMs: number | null;
    fullHash: string | null;
    hashedAt: number | null;
  }[] {
    const query = this.#statement(
      `SELECT e.id, e.parent_id AS parentId, e.name, e.kind, e.size, e.mtime_ms AS mtimeMs, e.mode, e.extension,
         e.content_id AS contentId, h.size AS hashSize, h.mtime_ms AS hashMtimeMs, h.full_hash AS fullHash, h.hashed_at AS hashedAt
       FROM entries e LEFT JOIN file_hashes h ON h.entry_id = e.id
       WHERE +e.location_id = ? AND e.id > ? ORDER BY e.id LIMIT ?`,
    );
    return query.all(locationId, afterId, limit) as ReturnType<Library['entriesToValidate']>;
  }

  /** How many entries of a location come after `afterId` (validation's total). */
  countEntriesAfter(locationId: number, afterId = 0): number {
    return this.#statement('SELECT count(*) FROM entries WHERE +location_id = ? AND id > ?')
      .pluck()
      .get(locationId, afterId) as number;
  }

  /**
   * Record full hashes of entries, with the size and mtime each file had when hashed (replacing older ones);
   * a content identity without a full hash takes the entry's. Runs in the caller's transaction.
   */
  setFileHashes(
    rows: readonly { entryId: number; size: number; mtimeMs: number; fullHash: string }[],
    at: number = this.#clock.now(),
  ): void {
    const upsert = this.#statement(
      'INSERT OR REPLACE INTO file_hashes (entry_id, size, mtime_ms, full_hash, hashed_at) VALUES (?, ?, ?, ?, ?)',
    );
    const identity = this.#statement(
      `UPDATE content_identities SET full_hash = ?, full_hash_at = ?
       WHERE full_hash IS NULL AND content_id = (SELECT content_id FROM entries WHERE id = ? AND size = ?)`,
    );
    for (const r of rows) {
      upsert.run(r.entryId, r.size, r.mtimeMs, r.fullHash, at);
      identity.run(r.fullHash, at, r.entryId, r.size);
    }
  }

  /**
   * The validation run of a job, created (started at `at`) if it has none: one row per job, so a resumed job
   * keeps adding to its run. Returns the run's id. Runs in the caller's transaction.
   */
  openValidationRun(locationId: number, jobId: string, mode: string, at: number = this.#clock.now()): number {
    this.#statement(
      'INSERT OR IGNORE INTO validation_runs (location_id, job_id, mode, started_at) VALUES (?, ?, ?, ?)',
    ).run(locationId, jobId, mode, at);
    return this.#statement('SELECT id FROM validation_runs WHERE job_id = ?').pluck().get(jobId) as number;
  }

  /** Add issues to a validation run, counting them and `checked` entries on it. Runs in the caller's transaction. */
  addValidationIssues(
    runId: number,
    issues: readonly {
      entryId: number | null;
      kind: string;
      severity: 'info' | 'warning' | 'error' | 'critical';
      path: string;
      message: string;
    }[],
    checked = 0,
  ): void {
    const insert = this.#statement(
      'INSERT INTO validation_issues (run_id, entry_id, kind, severity, path, message) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const i of issues) insert.run(runId, i.entryId, i.kind, i.severity, i.path, i.message);
    this.#statement(
      'UPDATE validation_runs SET issue_count = issue_count + ?, checked = checked + ? WHERE id = ?',
    ).run(issues.length, checked, runId);
  }

  /** Mark a validation run finished at `at` (default now). */
  finishValidationRun(runId: number, at: number = this.#clock.now()): void {
    this.#statement('UPDATE validation_runs SET finished_at = ? WHERE id = ?').run(at, runId);
  }

  /** A validation run with its issues (in the order found), or `undefined`. */
  getValidationRun(runId: number):
    | {
        id: number;
        locationId: number;
        jobId: string;
        mode: string;
        startedAt: number;
        finishedAt: number | null;
        checked: number;
        issueCount: number;
        issues: { entryId: number | null; kind: string; severity: string; path: string; message: string }[];
      }
    | undefined {
    const run = this.#statement(
      `SELECT id, location_id AS locationId, job_id AS jobId, mode, started_at AS startedAt,
         finished_at AS finishedAt, checked, issue_count AS issueCount FROM validation_runs WHERE id = ?`,
    ).get(runId) as Record<string, unknown> | undefined;
    if (run === undefined) return undefined;
    const issues = this.#statement(
      `SELECT entry_id AS entryId, kind, severity, path, message FROM validation_issues WHERE run_id = ?
       ORDER BY rowid`,
    ).all(runId);
    return { ...run, issues } as NonNullable<ReturnType<Library['getValidationRun']>>;
  }

  // ------------------------------------------------------------------------------------------------ job plans

  /**
   * Store items of a job's plan (migration 004): work a job decided on once and walks with a cursor, so its
   * checkpoint holds the cursor and not the list. An item with the same job and `seq` is replaced. Runs in
   * the caller's transaction (commit it with the checkpoint that records the plan as made).
   */
  insertPlanItems(
    jobId: string,
    items: readonly {
      seq: number;
      kind: string;
      action: string;
      src: Uint8Array;
      dst: Uint8Array;
      size: number;
      mode: number;
      atimeMs: number;
      mtimeMs: number;
    }[],
  ): void {
    const insert = this.#statement(
      `INSERT OR REPLACE INTO job_plans (job_id, seq, kind, action, src, dst, size, mode, atime_ms, mtime_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const i of items) {
      insert.run(jobId, i.seq, i.kind, i.action, i.src, i.dst, i.size, i.mode, i.atimeMs, i.mtimeMs);
    }
  }

  /**
   * A page of a job's plan items with `seq > afterSeq`, in `seq` order (or, with `descending`, the items
   * with `seq < afterSeq` from the last one down), optionally of one kind.
   */
  planItems(
    jobId: string,
    afterSeq: number,
    limit = 1000,
    options: { kind?: string; descending?: boolean } = {},
  ): {
    seq: number;
    kind: string;
    action: string;
    src: Buffer;
    dst: Buffer;
    size: number;
    mode: number;
    atimeMs: number;
    mtimeMs: number;
  }[] {
    const order = options.descending ? 'seq < ? ORDER BY seq DESC' : 'seq > ? ORDER BY seq';
    const kind = options.kind === undefined ? '' : 'AND kind = ?';
    const query = this.#statement(
      `SELECT seq, kind, action, src, dst, size, mode, atime_ms AS atimeMs, mtime_ms AS mtimeMs FROM job_plans
       WHERE job_id = ? ${kind} AND ${order} LIMIT ?`,
    );
    const args =
      options.kind === undefined ? [jobId, afterSeq, limit] : [jobId, options.kind, afterSeq, limit];
    return query.all(...args) as ReturnType<Library['planItems']>;
  }

  /** Delete a job's plan; returns how many items it had. Runs in the caller's transaction. */
  deletePlan(jobId: string): number {
    return this.#statement('DELETE FROM job_plans WHERE job_id = ?').run(jobId).changes;
  }

  // ------------------------------------------------------------------------------------------------ job lists

  /**
   * Store chunk `seq` of a job's list (migration 005), replacing a chunk with the same key: work a job keeps
   * beside its checkpoint (the checkpoint keeps how many chunks are valid). Runs in the caller's transaction
   * (commit it with the checkpoint that counts the chunk).
   */
  putJobListChunk(jobId: string, list: string, seq: number, data: Uint8Array): void {
    this.#statement('INSERT OR REPLACE INTO job_lists (job_id, list, seq, data) VALUES (?, ?, ?, ?)').run(
      jobId,
      list,
      seq,
      data,
    );
  }

  /** Chunks `0 .. count - 1` of a job's list, in order, as one lazy walk (one chunk in memory at a time). */
  *jobListChunks(jobId: string, list: string, count: number): Generator<Buffer> {
    const chunk = this.#statement(
      'SELECT data FROM job_lists WHERE job_id = ? AND list = ? AND seq = ?',
    ).pluck();
    for (let seq = 0; seq < count; seq++) {
      const data = chunk.get(jobId, list, seq) as Buffer | undefined;
      if (data === undefined) {
        throw new LibraryCorruptError(this.file, `chunk ${seq} of list "${list}" of job ${jobId} is missing`);
      }
      yield data;
    }
  }

  /** Delete a job's list (or, without `list`, all its lists); returns how many chunks. */
  deleteJobList(jobId: string, list?: string): number {
    if (list === undefined) {
      return this.#statement('DELETE FROM job_lists WHERE job_id = ?').run(jobId).changes;
    }
    return this.#statement('DELETE FROM job_lists WHERE job_id = ? AND list = ?').run(jobId, list).changes;
  }

  /**
   * The entries of a location as `[id, parentId, kind, size]`, by id, after `afterId`, at most `limit`: a
   * page of a walk over the whole location that holds one page in memory (the indexer's aggregation).
   */
  entryTotalsPage(
    locationId: number,
    afterId: number,
    limit: number,
  ): [id: number, parentId: number | null, kind: 'file' | 'dir' | 'symlink', size: number][] {
    return this.#statement(
      // A rowid range scan from the cursor (see entriesOfLocation for `+location_id`).
      'SELECT id, parent_id, kind, size FROM entries WHERE +location_id = ? AND id > ? ORDER BY id LIMIT ?',
    )
      .raw()
      .all(locationId, afterId, limit) as [number, number | null, 'file' | 'dir' | 'symlink', number][];
  }

  /**
   * Add `sizeDelta` to the aggregate size and `fileDelta` to the file count of a directory entry and of every
   * directory above it: what a copy into, or a delete from, an indexed tree changes without a re-index.
   * Runs in the caller's transaction.
   */
  adjustTotalsUpward(entryId: number, sizeDelta: number, fileDelta: number): void {
    const ids = (this.#statement(ANCESTRY).all(entryId) as { id: number }[]).map((r) => r.id);
    const update = this.#statement(
      `UPDATE entries SET aggregate_size = max(0, aggregate_size + ?), file_count = max(0, file_count + ?)
       WHERE id = ? AND kind = 'dir'`,
    );
    for (const id of ids) update.run(sizeDelta, fileDelta, id);
  }
}

function parseLocation(row: StoredLocation): LocationRow {
  return { ...row, options: row.options === null ? null : JSON.parse(row.options) };
}

/** Names for display: UTF-8, invalid sequences as U+FFFD. Never used to find anything. */
function textOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
