/**
 * The thumbnail job's queries on the shared tables (content identities, entries): its work list. Functions
 * take the library first and use its statement cache.
 */
import type { Library } from '../library/Library.js';

/** Where an image content is found: a file entry with this content id. */
export interface ContentFile {
  readonly id: number;
  readonly locationId: number;
  readonly extension: string | null;
  readonly mime: string | null;
  /** Size, modification time and inode the index recorded: the file those bytes were read from. */
  readonly size: number;
  readonly mtimeMs: number | null;
  readonly inode: number | null;
}

/**
 * A page of image contents (identities of kind `image` that some entry still has), largest first, then by
 * content id, after the keyset cursor `after` (`null`: from the largest): the thumbnail job's work list.
 */
export function imageContentsBySize(
  library: Library,
  after: { size: number; contentId: string } | null,
  limit = 100,
): { contentId: string; size: number }[] {
  // A range scan of the partial index content_identities_images_by_size (migration 002), never a sort.
  const columns = 'SELECT content_id AS contentId, size FROM content_identities';
  const order = 'ORDER BY size DESC, content_id LIMIT ?';
  if (after === null) {
    return library.statements
      .get(`${columns} WHERE kind = 'image' AND entry_count > 0 ${order}`)
      .all(limit) as {
      contentId: string;
      size: number;
    }[];
  }
  const query = library.statements.get(
    `${columns} WHERE kind = 'image' AND entry_count > 0 AND (size < ? OR (size = ? AND content_id > ?)) ${order}`,
  );
  return query.all(after.size, after.size, after.contentId, limit) as { contentId: string; size: number }[];
}

/** The file entries with this content id, by id: the places one content is found. */
export function filesWithContentId(library: Library, contentId: string): ContentFile[] {
  const query = library.statements.get(
    `SELECT id, location_id AS locationId, extension, mime, size, mtime_ms AS mtimeMs, inode FROM entries
       WHERE content_id = ? AND kind = 'file' ORDER BY id`,
  );
  return query.all(contentId) as ContentFile[];
}
