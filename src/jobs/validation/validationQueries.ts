/**
 * The validation job's queries on the shared tables (entries with their stored full hashes): its work list,
 * in pages. Functions take the library first and use its statement cache.
 */
import type { Library } from '../library/Library.js';

/** An entry as validation compares it, with the full hash stored for it (if any) and when it was taken. */
export interface EntryToValidate {
  readonly id: number;
  readonly parentId: number | null;
  readonly name: Buffer;
  readonly kind: 'file' | 'dir' | 'symlink';
  readonly size: number;
  readonly mtimeMs: number | null;
  readonly mode: number | null;
  readonly extension: string | null;
  readonly contentId: string | null;
  readonly hashSize: number | null;
  readonly hashMtimeMs: number | null;
  readonly fullHash: string | null;
  readonly hashedAt: number | null;
}

/**
 * Entries of a location after `afterId`, by id, with what validation compares (kind, size, mtime, mode) and
 * the stored full hash with the size and mtime it was computed at: validation's work list, in pages.
 */
export function entriesToValidate(
  library: Library,
  locationId: number,
  afterId: number,
  limit: number,
): EntryToValidate[] {
  const query = library.statements.get(
    `SELECT e.id, e.parent_id AS parentId, e.name, e.kind, e.size, e.mtime_ms AS mtimeMs, e.mode, e.extension,
         e.content_id AS contentId, h.size AS hashSize, h.mtime_ms AS hashMtimeMs, h.full_hash AS fullHash, h.hashed_at AS hashedAt
       FROM entries e LEFT JOIN file_hashes h ON h.entry_id = e.id
       WHERE +e.location_id = ? AND e.id > ? ORDER BY e.id LIMIT ?`,
  );
  return query.all(locationId, afterId, limit) as EntryToValidate[];
}

/** How many entries of a location come after `afterId` (validation's total). */
export function countEntriesAfter(library: Library, locationId: number, afterId = 0): number {
  return library.statements
    .pluck('SELECT count(*) FROM entries WHERE +location_id = ? AND id > ?')
    .get(locationId, afterId) as number;
}
