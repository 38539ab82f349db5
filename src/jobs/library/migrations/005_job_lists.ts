import type { LibraryMigration } from '../types.js';

/**
 * Schema 5: job lists — lists of work a job keeps while it runs (duplicate detection's collected files, its
 * groups to compare and the sets found), stored as packed chunks beside the job instead of in its checkpoint,
 * so a checkpoint stays a few hundred bytes however many files the job looks at. The job's state holds only
 * how many chunks of each list are valid; rows past that count (left by a save that did not commit with its
 * checkpoint) are ignored and overwritten.
 *
 * Released: never edit; change the schema with a new numbered migration.
 *
 * - `(job_id, list, seq)` is the key and the only access path, hence `WITHOUT ROWID`.
 * - `data` is the job's own encoding of one chunk (for duplicates, `packGroups`).
 */
export const migration005: LibraryMigration = {
  version: 5,
  name: 'job_lists',
  sql: `
CREATE TABLE job_lists (
  job_id TEXT NOT NULL,
  list   TEXT NOT NULL,
  seq    INTEGER NOT NULL,
  data   BLOB NOT NULL,
  PRIMARY KEY (job_id, list, seq)
) WITHOUT ROWID;
`,
};
