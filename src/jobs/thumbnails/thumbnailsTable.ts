/**
 * The `thumbnails` table, the thumbnail job's own: one row per content id and variant, with the size of the
 * thumbnail's file. Functions take the library first and use its statement cache.
 */
import type { Library } from '../library/Library.js';

/** A thumbnail as recorded; `bytes` is the size of the thumbnail's file. */
export interface ThumbnailRow {
  readonly contentId: string;
  readonly variant: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
}

/** The thumbnails recorded for a content id, by variant. */
export function thumbnailsOf(library: Library, contentId: string): ThumbnailRow[] {
  const query = library.statements.get(
    'SELECT content_id AS contentId, variant, width, height, bytes FROM thumbnails WHERE content_id = ? ORDER BY variant',
  );
  return query.all(contentId) as ThumbnailRow[];
}

/** Record thumbnails, replacing those of the same content id and variant. Runs in the caller's transaction. */
export function putThumbnails(library: Library, rows: readonly ThumbnailRow[]): void {
  const put = library.statements.get(
    'INSERT OR REPLACE INTO thumbnails (content_id, variant, width, height, bytes) VALUES (?, ?, ?, ?, ?)',
  );
  for (const r of rows) put.run(r.contentId, r.variant, r.width, r.height, r.bytes);
}

/**
 * Up to `limit` content ids after `afterContentId` that have thumbnails but no entry any more (orphans), in
 * content id order.
 */
export function orphanThumbnailContentIds(library: Library, limit = 1000, afterContentId = ''): string[] {
  const query = library.statements.pluck(
    `SELECT DISTINCT t.content_id FROM thumbnails t
       WHERE t.content_id > ? AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.content_id = t.content_id)
       ORDER BY t.content_id LIMIT ?`,
  );
  return query.all(afterContentId, limit) as string[];
}

/** Delete the thumbnail records of these content ids; returns how many rows. Runs in the caller's transaction. */
export function deleteThumbnails(library: Library, contentIds: readonly string[]): number {
  const remove = library.statements.get('DELETE FROM thumbnails WHERE content_id = ?');
  let deleted = 0;
  for (const id of contentIds) deleted += remove.run(id).changes;
  return deleted;
}
