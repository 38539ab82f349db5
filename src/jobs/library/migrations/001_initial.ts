import type { LibraryMigration } from '../types.js';

/**
 * Schema 1: locations, entries, content identities, thumbnails.
 *
 * Released: never edit; change the schema with a new numbered migration.
 *
 * - Every location has exactly one root entry (the directory itself: `parent_id` NULL, empty `name`); every
 *   other entry has a parent. That makes `UNIQUE (location_id, parent_id, name)` hold for every entry (SQLite
 *   treats NULLs as distinct, so a NULL parent would escape it), and the partial unique index holds the root.
 * - The unique index also serves "children of a parent" (`location_id = ? AND parent_id = ?`); a separate
 *   parent index would cost every insert and buy nothing.
 * - `name` and `path` are BLOBs compared byte for byte; `name_text` and `path_text` are for display only.
 * - `mtime_ms` and `ctime_ms` are REAL, to keep the sub-millisecond doubles of `fs.Stats` exactly.
 * - No FOREIGN KEY clauses: SQLite enforces them only with `PRAGMA foreign_keys`, a per-connection setting the
 *   shared job-store connection does not own; the library's methods keep parents, children and content
 *   identity counts consistent instead.
 */
export const migration001: LibraryMigration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE locations (
  id              INTEGER PRIMARY KEY,
  path            BLOB NOT NULL UNIQUE,
  path_text       TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  last_indexed_at INTEGER,
  options         TEXT
);

CREATE TABLE entries (
  id             INTEGER PRIMARY KEY,
  location_id    INTEGER NOT NULL,
  parent_id      INTEGER,
  name           BLOB NOT NULL,
  name_text      TEXT NOT NULL,
  extension      TEXT,
  kind           TEXT NOT NULL CHECK (kind IN ('file', 'dir', 'symlink')),
  size           INTEGER NOT NULL DEFAULT 0,
  aggregate_size INTEGER NOT NULL DEFAULT 0,
  child_count    INTEGER NOT NULL DEFAULT 0,
  file_count     INTEGER NOT NULL DEFAULT 0,
  inode          INTEGER,
  device         INTEGER,
  mtime_ms       REAL,
  ctime_ms       REAL,
  mode           INTEGER,
  content_id     TEXT,
  mime           TEXT,
  width          INTEGER,
  height         INTEGER,
  orientation    INTEGER,
  symlink_target BLOB,
  UNIQUE (location_id, parent_id, name)
);
CREATE UNIQUE INDEX entries_root ON entries (location_id) WHERE parent_id IS NULL;
CREATE INDEX entries_by_inode ON entries (location_id, inode, device);
CREATE INDEX entries_by_content_id ON entries (content_id) WHERE content_id IS NOT NULL;
CREATE INDEX entries_files_by_size ON entries (size) WHERE kind = 'file';

CREATE TABLE content_identities (
  content_id   TEXT PRIMARY KEY,
  size         INTEGER NOT NULL,
  kind         TEXT,
  mime         TEXT,
  entry_count  INTEGER NOT NULL DEFAULT 0,
  full_hash    TEXT,
  full_hash_at INTEGER
) WITHOUT ROWID;

CREATE TABLE thumbnails (
  content_id TEXT NOT NULL,
  variant    TEXT NOT NULL,
  width      INTEGER NOT NULL,
  height     INTEGER NOT NULL,
  bytes      BLOB NOT NULL,
  PRIMARY KEY (content_id, variant)
);
`,
};
