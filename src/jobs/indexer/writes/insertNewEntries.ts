import { insertEntries } from '../../library/entries.js';
import type { Library } from '../../library/Library.js';
import type { NewEntry } from '../../library/types.js';

/** Rows per statement: 14 columns each, well under SQLite's 32,766 bound parameters. */
const ROWS = 64;
const COLUMNS = 14;
const ONE = `(${new Array(COLUMNS).fill('?').join(', ')})`;

/** The INSERT of `rows` entries in one statement. */
function insertMany(rows: number): string {
  return `INSERT INTO entries (id, location_id, parent_id, name, name_text, extension, kind, size,
  inode, device, mtime_ms, ctime_ms, mode, symlink_target) VALUES ${new Array(rows).fill(ONE).join(', ')}`;
}

/** Statement texts by row count: 64, then 32, 16, 8, 4, 2 and 1 for the rest of a batch. */
const INSERTS = new Map<number, string>();
for (let rows = ROWS; rows >= 1; rows >>= 1) INSERTS.set(rows, insertMany(rows));

/**
 * Insert discovery's new entries (each with its id and name text), the same rows `insertEntries(library,
 * rows)` writes, {@link ROWS} to a statement: one statement per 64 rows costs SQLite and the binding about a
 * third less than one per row. The rest of a batch (fewer than 64) goes in statements of 32, 16, ... 1 rows
 * (at most six), not row by row. Runs in the caller's transaction.
 *
 * A statement that breaks the unique (location, parent, name) key or reuses an id undoes only itself: its
 * rows then go through `insertEntries`, which throws the `EntryExistsError` it always has.
 */
export function insertNewEntries(library: Library, rows: readonly NewEntry[]): void {
  let i = 0;
  for (let size = ROWS; size >= 1; size >>= 1) {
    if (i + size > rows.length) continue;
    const statement = library.statements.get(INSERTS.get(size)!);
    const values: unknown[] = new Array(size * COLUMNS);
    for (; i + size <= rows.length; i += size) {
      fill(values, rows, i, size);
      try {
        statement.run(values);
      } catch (error) {
        if (!isConstraint(error)) throw error;
        // The same rows one by one: insertEntries meets the offending row and says which it is.
        insertEntries(library, rows.slice(i, i + size));
        throw error;
      }
    }
  }
}

/** The bound values of `rows[from, from + count)`, in the column order of the INSERT. */
function fill(values: unknown[], rows: readonly NewEntry[], from: number, count: number): void {
  for (let j = 0; j < count; j++) {
    const r = rows[from + j];
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
}

function isConstraint(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT');
}
