/**
 * Duplicate detection's queries on the shared tables (entries with their stored full hashes). Functions take
 * the library first and use its statement cache.
 */
import type { Library } from '../library/Library.js';

/** A candidate file of {@link sameSizeFilesOfLocation}. */
export interface SameSizeFile {
  readonly id: number;
  readonly parentId: number;
  readonly name: Buffer;
  readonly size: number;
  readonly mtimeMs: number | null;
  readonly ctimeMs: number | null;
  readonly inode: number | null;
  readonly device: number | null;
  readonly contentId: string | null;
  /** The stored full hash, when one was stored for exactly this size and mtime. */
  readonly fullHash: string | null;
}

/**
 * Files of a location whose size (within `[minSize, maxSize]`) is shared with at least one other such file:
 * duplicate detection's candidates. Each row carries the entry's recorded size, mtime, ctime, inode, content id
 * and, when one was stored for exactly that size and mtime, its full hash. With `sharedContentOnly`, a file
 * whose content id no other file of the location has is left out (as recorded, it has no duplicate).
 */
export function sameSizeFilesOfLocation(
  library: Library,
  locationId: number,
  minSize: number,
  maxSize: number,
  sharedContentOnly = false,
): SameSizeFile[] {
  const query = library.statements.get(
    `SELECT e.id, e.parent_id AS parentId, e.name, e.size, e.mtime_ms AS mtimeMs, e.ctime_ms AS ctimeMs,
         e.inode, e.device,
         e.content_id AS contentId,
         CASE WHEN h.size = e.size AND h.mtime_ms = e.mtime_ms THEN h.full_hash END AS fullHash
       FROM entries e LEFT JOIN file_hashes h ON h.entry_id = e.id
       WHERE +e.location_id = ? AND e.kind = 'file' AND e.size BETWEEN ? AND ? AND e.size IN (
         SELECT size FROM entries WHERE +location_id = ? AND kind = 'file' AND size BETWEEN ? AND ?
         GROUP BY size HAVING count(*) > 1)
       ${
         sharedContentOnly
           ? `AND (e.content_id IS NULL OR EXISTS (SELECT 1 FROM entries o
                WHERE o.content_id = e.content_id AND o.id <> e.id AND o.location_id = e.location_id AND o.kind = 'file'))`
           : ''
       }`,
  );
  return query.all(locationId, minSize, maxSize, locationId, minSize, maxSize) as SameSizeFile[];
}
