import type { LibraryMigration } from '../types.js';

/**
 * Schema 4: job plans — the list of work a job decided on once (the copy job's files, in order), kept out of
 * its checkpoint so that a checkpoint stays a few hundred bytes however large the plan: the job saves only a
 * cursor (`seq`) into its plan.
 *
 * Released: never edit; change the schema with a new numbered migration.
 *
 * - `(job_id, seq)` is the key and the only access path (pages read in `seq` order from a cursor), hence
 *   `WITHOUT ROWID`.
 * - `src` and `dst` are BLOBs: path bytes, exact for names that are not UTF-8.
 */
export const migration004: LibraryMigration = {
  version: 4,
  name: 'job_plans',
  sql: `
CREATE TABLE job_plans (
  job_id    TEXT NOT NULL,
  seq       INTEGER NOT NULL,
  kind      TEXT NOT NULL,
  action    TEXT NOT NULL,
  src       BLOB NOT NULL,
  dst       BLOB NOT NULL,
  size      INTEGER NOT NULL,
  mode      INTEGER NOT NULL,
  atime_ms  REAL NOT NULL,
  mtime_ms  REAL NOT NULL,
  PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
`,
};
