import type { LibraryMigration } from '../types.js';

/**
 * Schema 6: secondary indexes set aside while a new library's first index bulk-inserts its entries.
 *
 * Released: never edit; change the schema with a new numbered migration.
 *
 * Filling an empty library, the indexer drops `entries_by_inode` and `entries_files_by_size` (rebuilding
 * each once, sorted, costs far less than keeping it up to date row by row) and puts each index's exact
 * `CREATE INDEX` text here, in the same transaction; at the end of its walk it runs them again and deletes
 * the rows, also in one transaction. A row here therefore always means "this index is missing and this is
 * how to make it": whoever opens the library may rebuild it (a job killed and never resumed leaves rows),
 * and queries are correct without the index meanwhile, only slower.
 */
export const migration006: LibraryMigration = {
  version: 6,
  name: 'deferred_indexes',
  sql: `
CREATE TABLE library_deferred_indexes (
  name TEXT PRIMARY KEY,
  sql  TEXT NOT NULL
) WITHOUT ROWID;
`,
};
