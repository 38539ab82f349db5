/**
 * The `locations` table: the directories the user asked to index, each with its root entry. Shared by every
 * job. Functions take the {@link Library} first and use its statement cache.
 */
import { allocateEntryIds, deleteSubtree } from './entries.js';
import type { Library } from './Library.js';
import { LOCATION_COLUMNS, LOCATIONS } from './librarySql.js';
import { locationPath } from './locationPath.js';
import type { LocationRow } from './types.js';

interface StoredLocation extends Omit<LocationRow, 'options'> {
  readonly options: string | null;
}

/**
 * The location at `path`, created with its root entry if new. `options` (JSON-able, e.g. indexer rules)
 * replace the stored ones when given and are kept when omitted. Atomic on its own (a savepoint inside the
 * caller's transaction).
 *
 * @param path The absolute path, as bytes (exact, for non-UTF-8 paths) or a string (encoded as UTF-8);
 *   normalized (`.`/`..` segments and trailing separators removed).
 */
export function upsertLocation(library: Library, path: Uint8Array | string, options?: unknown): LocationRow {
  const bytes = locationPath(path);
  return library.immediate(() => {
    const found = locationWhere(library, 'WHERE l.path = ?', bytes);
    if (found === undefined) {
      const text = bytes.toString('utf8');
      const { lastInsertRowid } = library.statements
        .get('INSERT INTO locations (path, path_text, created_at, options) VALUES (?, ?, ?, ?)')
        .run(bytes, text, library.clock.now(), options === undefined ? null : JSON.stringify(options));
      library.statements
        .get(
          `INSERT INTO entries (id, location_id, parent_id, name, name_text, kind) VALUES (?, ?, NULL, x'', ?, 'dir')`,
        )
        .run(allocateEntryIds(library, 1), lastInsertRowid, text);
    } else if (options !== undefined) {
      library.statements
        .get('UPDATE locations SET options = ? WHERE id = ?')
        .run(JSON.stringify(options), found.id);
    }
    return locationWhere(library, 'WHERE l.path = ?', bytes)!;
  });
}

/** The location at exactly this path (normalized like {@link upsertLocation}), or `undefined`. */
export function getLocationByPath(library: Library, path: Uint8Array | string): LocationRow | undefined {
  return locationWhere(library, 'WHERE l.path = ?', locationPath(path));
}

/** The location with this id, or `undefined`. */
export function getLocation(library: Library, locationId: number): LocationRow | undefined {
  return locationWhere(library, 'WHERE l.id = ?', locationId);
}

/** All locations, by id. */
export function listLocations(library: Library): LocationRow[] {
  const rows = library.statements.get(`SELECT ${LOCATION_COLUMNS} FROM ${LOCATIONS} ORDER BY l.id`).all();
  return (rows as StoredLocation[]).map(parseLocation);
}

/** Record that an index of the location finished at `at` (default: now, from the library's clock). */
export function markLocationIndexed(
  library: Library,
  locationId: number,
  at: number = library.clock.now(),
): void {
  library.statements.get('UPDATE locations SET last_indexed_at = ? WHERE id = ?').run(at, locationId);
}

/**
 * Delete the location, all its entries (keeping content identity counts right) and its row. Atomic on its
 * own (a savepoint inside the caller's transaction). Returns the number of entries deleted.
 */
export function deleteLocation(library: Library, locationId: number): number {
  return library.immediate(() => {
    const location = getLocation(library, locationId);
    if (location === undefined) return 0;
    const deleted = deleteSubtree(library, location.rootEntryId);
    library.statements.get('DELETE FROM locations WHERE id = ?').run(locationId);
    return deleted;
  });
}

function locationWhere(library: Library, where: string, value: unknown): LocationRow | undefined {
  const row = library.statements.get(`SELECT ${LOCATION_COLUMNS} FROM ${LOCATIONS} ${where}`).get(value);
  return row === undefined ? undefined : parseLocation(row as StoredLocation);
}

function parseLocation(row: StoredLocation): LocationRow {
  return { ...row, options: row.options === null ? null : JSON.parse(row.options) };
}
