/**
 * The SQL the {@link Library} prepares, kept apart from the class so the statements can be read together.
 * Columns come out aliased to the camelCase fields of `types.ts`, so rows need no mapping.
 */
import type { EntryChanges } from './types.js';

/** Deeper than any real tree; stops a corrupt parent cycle from looping forever. */
export const MAX_DEPTH = 10_000;

/** A location row with its root entry's id; use with {@link LOCATIONS}. */
export const LOCATION_COLUMNS = `l.id, l.path, l.path_text AS pathText, l.created_at AS createdAt,
  l.last_indexed_at AS lastIndexedAt, l.options, r.id AS rootEntryId`;
/** Locations joined to their root entries. */
export const LOCATIONS = 'locations l JOIN entries r ON r.location_id = l.id AND r.parent_id IS NULL';

/** The columns of an `EntrySummary`. */
export const SUMMARY_COLUMNS =
  'id, parent_id AS parentId, name, kind, size, mtime_ms AS mtimeMs, inode, device';
/** The columns of an `EntryRow`. */
export const ENTRY_COLUMNS = `${SUMMARY_COLUMNS}, location_id AS locationId, name_text AS nameText, extension,
  aggregate_size AS aggregateSize, child_count AS childCount, file_count AS fileCount, ctime_ms AS ctimeMs,
  mode, content_id AS contentId, mime, width, height, orientation, symlink_target AS symlinkTarget`;

/** One entry, every insertable column, positional. */
export const INSERT_ENTRY = `INSERT INTO entries (id, location_id, parent_id, name, name_text, extension, kind, size,
  inode, device, mtime_ms, ctime_ms, mode, symlink_target) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * The entry and everything under it, parents first. Each step joins on the unique (location, parent, name)
 * index, and the content id rides along so no final join (which SQLite would plan as a scan) is needed.
 */
export const SUBTREE = `WITH RECURSIVE subtree(id, location_id, content_id) AS (
    SELECT id, location_id, content_id FROM entries WHERE id = ?
    UNION ALL
    SELECT e.id, e.location_id, e.content_id FROM subtree s
    JOIN entries e ON e.location_id = s.location_id AND e.parent_id = s.id
  )
  SELECT id, content_id AS contentId FROM subtree`;

/** An entry and its ancestors, the root first. */
export const ANCESTRY = `WITH RECURSIVE up(id, parent_id, name, depth) AS (
    SELECT id, parent_id, name, 0 FROM entries WHERE id = ?
    UNION ALL
    SELECT e.id, e.parent_id, e.name, up.depth + 1 FROM up JOIN entries e ON e.id = up.parent_id
    WHERE up.depth < ${MAX_DEPTH}
  )
  SELECT id, parent_id AS parentId, name FROM up ORDER BY depth DESC`;

/** The column behind each field `updateEntries` may change. */
export const CHANGE_COLUMNS: Record<keyof EntryChanges, string> = {
  parentId: 'parent_id',
  name: 'name',
  nameText: 'name_text',
  extension: 'extension',
  kind: 'kind',
  size: 'size',
  aggregateSize: 'aggregate_size',
  childCount: 'child_count',
  fileCount: 'file_count',
  inode: 'inode',
  device: 'device',
  mtimeMs: 'mtime_ms',
  ctimeMs: 'ctime_ms',
  mode: 'mode',
  mime: 'mime',
  width: 'width',
  height: 'height',
  orientation: 'orientation',
  symlinkTarget: 'symlink_target',
};
