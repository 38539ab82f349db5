import type { Library } from '../library/Library.js';
import { isThumbnailSource } from './imageTypes.js';
import type { ImageCursor, ThumbnailVariant } from './types.js';
import { filesWithContentId, imageContentsBySize } from './thumbnailQueries.js';
import { thumbnailsOf } from './thumbnailsTable.js';

/** One image content to make thumbnails for. */
export interface ImageWork {
  readonly contentId: string;
  readonly size: number;
  /** The entry read as the source (the first, by id, of those with this content). */
  readonly entryId: number;
  /** What the index recorded of that entry's file: it is read only while it is still that file. */
  readonly recorded: {
    readonly size: number;
    readonly mtimeMs: number | null;
    readonly inode: number | null;
  };
  /** The variants to make: all of them, or with `regenerate` off only those not recorded yet. */
  readonly variants: ThumbnailVariant[];
}

/** What {@link nextImages} looks at. */
export interface ImageWalk {
  readonly library: Library;
  readonly variants: readonly ThumbnailVariant[];
  readonly locationId: number | null;
  readonly regenerate: boolean;
}

/**
 * The next images to work on after `cursor`, largest first: image contents that a readable image entry (in
 * the location, when one is given) has, and that lack one of the variants (or all, with `regenerate`).
 * Each content once, however many entries share it. Looks at up to `scan` contents and returns those that
 * need work, with the cursor of the last content looked at (`null` when none was left: the walk is over).
 */
export function nextImages(
  walk: ImageWalk,
  cursor: ImageCursor | null,
  scan: number,
): { work: ImageWork[]; skipped: number; cursor: ImageCursor | null } {
  const { library } = walk;
  const page = imageContentsBySize(library, cursor, scan);
  const work: ImageWork[] = [];
  let skipped = 0;
  for (const content of page) {
    const source = filesWithContentId(library, content.contentId).find(
      (e) =>
        (walk.locationId === null || e.locationId === walk.locationId) &&
        isThumbnailSource(e.extension, e.mime),
    );
    if (source === undefined) continue;
    let variants = walk.variants as ThumbnailVariant[];
    if (!walk.regenerate) {
      const have = new Set(thumbnailsOf(library, content.contentId).map((t) => t.variant));
      variants = variants.filter((v) => !have.has(v.name));
      if (variants.length === 0) {
        skipped++;
        continue;
      }
    }
    work.push({
      contentId: content.contentId,
      size: content.size,
      entryId: source.id,
      recorded: { size: source.size, mtimeMs: source.mtimeMs, inode: source.inode },
      variants,
    });
  }
  const last = page.at(-1);
  return {
    work,
    skipped,
    cursor: last === undefined ? null : { size: last.size, contentId: last.contentId },
  };
}
