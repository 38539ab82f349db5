import type { Library } from '../../library/Library.js';

/** The indexes on `entries` a first bulk insert leaves out: each costs a B-tree insert per row. */
export const DEFERRED_INDEXES = ['entries_by_inode', 'entries_files_by_size'] as const;

/**
 * The index a library's first content ids leave out: keyed by a random hash, each id is an insert somewhere in
 * it, about half of what writing a content id costs (the content phase builds it once at its end).
 */
export const CONTENT_ID_INDEXES = ['entries_by_content_id'] as const;

/**
 * Whether the library holds no entries but location roots: a new library, where dropping the secondary
 * indexes for the first index and building each once at the end costs less than updating them per row.
 */
export function isNewLibrary(library: Library): boolean {
  return (
    library.statements.pluck('SELECT 1 FROM entries WHERE parent_id IS NOT NULL LIMIT 1').get() === undefined
  );
}

/**
 * Drop the indexes `names` (default the {@link DEFERRED_INDEXES}) that exist, recording each one's exact
 * `CREATE INDEX` text in `library_deferred_indexes` (schema 6). Run it inside the transaction that commits
 * the job's checkpoint.
 */
export function deferIndexes(library: Library, names: readonly string[] = DEFERRED_INDEXES): void {
  const find = library.statements.pluck("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?");
  const note = library.statements.get(
    'INSERT OR REPLACE INTO library_deferred_indexes (name, sql) VALUES (?, ?)',
  );
  for (const name of names) {
    const sql = find.get(name) as string | undefined;
    if (sql === undefined) continue;
    note.run(name, sql);
    library.statements.get(`DROP INDEX "${name}"`).run();
  }
}

/**
 * Build every index recorded in `library_deferred_indexes` that is missing, with its recorded text, and
 * clear the record; one read when nothing is deferred. Run it inside a transaction: the indexes and the
 * cleared record commit together. Returns how many were recorded.
 */
export function restoreDeferredIndexes(library: Library): number {
  const rows = library.statements
    .raw('SELECT name, sql FROM library_deferred_indexes ORDER BY name')
    .all() as [string, string][];
  if (rows.length === 0) return 0;
  const exists = library.statements.pluck("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?");
  for (const [name, sql] of rows) {
    if (exists.get(name) === undefined) library.statements.get(sql).run();
  }
  library.statements.get('DELETE FROM library_deferred_indexes').run();
  return rows.length;
}

/**
 * `checkInterrupt()`; a pause or cancel first builds the indexes a new library's first index set aside (in
 * their own transaction), so a job left paused does not leave the library without them. Busy or failing,
 * they stay recorded as deferred, and the next index builds them.
 */
export function checkInterruptRestoringIndexes(
  ctx: { checkInterrupt(): void },
  library: Library | undefined,
): void {
  try {
    ctx.checkInterrupt();
  } catch (interrupt) {
    if (library) {
      try {
        library.db.transaction(() => restoreDeferredIndexes(library)).immediate();
      } catch {
        // Left recorded: the next index builds them.
      }
    }
    throw interrupt;
  }
}
