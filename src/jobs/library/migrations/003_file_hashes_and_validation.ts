import type { LibraryMigration } from '../types.js';

/**
 * Schema 3: full hashes per file entry, and validation runs with their issues.
 *
 * Released: never edit; change the schema with a new numbered migration.
 *
 * - `file_hashes` keeps the full BLAKE3 of an entry's bytes together with the size and mtime the file had when
 *   it was hashed. Per entry, not per content identity: a content id samples large files, so two entries can
 *   share one and still differ; a full hash must only ever vouch for the bytes it was computed from. Duplicate
 *   detection reuses a row while the file's size and mtime are unchanged; validation compares against it to
 *   find silent corruption. Entry ids are never reused, so a row left by a deleted entry is inert.
 * - `validation_runs` / `validation_issues`: what each validation found, and when.
 */
export const migration003: LibraryMigration = {
  version: 3,
  name: 'file hashes and validation',
  sql: `
CREATE TABLE file_hashes (
  entry_id   INTEGER PRIMARY KEY,
  size       INTEGER NOT NULL,
  mtime_ms   REAL NOT NULL,
  full_hash  TEXT NOT NULL,
  hashed_at  INTEGER NOT NULL
);

CREATE TABLE validation_runs (
  id          INTEGER PRIMARY KEY,
  location_id INTEGER NOT NULL,
  job_id      TEXT NOT NULL UNIQUE,
  mode        TEXT NOT NULL,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  checked     INTEGER NOT NULL DEFAULT 0,
  issue_count INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE validation_issues (
  run_id    INTEGER NOT NULL,
  entry_id  INTEGER,
  kind      TEXT NOT NULL,
  severity  TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error', 'critical')),
  path      TEXT NOT NULL,
  message   TEXT NOT NULL
);
CREATE INDEX validation_issues_by_run ON validation_issues (run_id);
`,
};
