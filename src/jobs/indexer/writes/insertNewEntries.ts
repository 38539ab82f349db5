import { insertEntries } from '../../library/entries.js';
import type { Library } from '../../library/Library.js';
import type { NewEntry } from '../../library/types.js';

/** Rows per statement: 14 columns each, well under SQLite's 32,766 bound parameters. */
const ROWS = 64;
const COLUMNS = 14;
const ONE = `(${new Array(COLUMNS).fill('?').join(', ')})`;
const INSERT_MANY = `INSERT INTO entries (id, location_id, parent_id, name, name_text, extension, kind, size,
  inode, device, mtime_ms, ctime_ms, mode, symlink_target) VALUES ${new Array(ROWS).fill(ONE).join(', ')}`;

/**
 * Insert discovery's new entries (each with its id and name text), the same rows `insertEntries(library,
 * rows)` writes, {@link ROWS} to a statement: one statement per 64 rows costs SQLite and the binding about a
 * third less than one per row. The rest (fewer than 64) go through `insertEntries`. Runs in the caller's
 * transaction.
 *
 * A statement that breaks the unique (location, parent, name) key or reuses an id undoes only itself: its
 * rows then go through `insertEntries`, which throws the `EntryExistsError` it always has.
 */
export function insertNewEntries(library: Library, rows: readonly NewEntry[]): void {
  const statement = library.statements.get(INSERT_MANY);
  const values: unknown[] = new Array(ROWS * COLUMNS);
  let i = 0;
  for (; i + ROWS <= rows.length; i += ROWS) {
    for (let j = 0; j < ROWS; j++) {
      const r = rows[i + j];
      const at = j * COLUMNS;
      values[at] = r.id;
      values[at + 1] = r.locationId;
      values[at + 2] = r.parentId;
      values[at + 3] = r.name;
      values[at + 4] = r.nameText;
      values[at + 5] = r.extension ?? null;
      values[at + 6] = r.kind;
      values[at + 7] = r.size ?? 0;
      values[at + 8] = r.inode ?? null;
      values[at + 9] = r.device ?? null;
      values[at + 10] = r.mtimeMs ?? null;
      values[at + 11] = r.ctimeMs ?? null;
      values[at + 12] = r.mode ?? null;
      values[at + 13] = r.symlinkTarget ?? null;
    }
    try {
      statement.run(values);
    } catch (error) {
      if (!isConstraint(error)) throw error;
      // The same rows one by one: insertEntries meets the offending row and says which it is.
      insertEntries(library, rows.slice(i, i + ROWS));
      throw error;
    }
  }
  if (i < rows.length) insertEntries(library, rows.slice(i));
}

function isConstraint(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT');
}
