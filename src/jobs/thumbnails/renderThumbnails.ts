import fs from 'node:fs/promises';
import path from 'node:path';
import sharp, { type OutputInfo } from 'sharp';
import { toError } from '../../phases/toError.js';
import { temporaryPath } from './temporaryFiles.js';
import { ThumbnailSourceError } from './ThumbnailSourceError.js';
import { thumbnailPath } from './thumbnailPath.js';
import type { ThumbnailRecord, ThumbnailVariant } from './types.js';

/**
 * Make the thumbnails of one image: decode it once (EXIF orientation applied, shrunk on load to the largest
 * variant when the format allows), then resize that one decoded image to every variant — never upscaling,
 * keeping the aspect ratio — and encode each as WebP. Each file is written under a temporary name in
 * `<directory>/.tmp` and renamed into place, so a thumbnail is either whole or absent.
 *
 * The directory `<directory>/.tmp` must exist.
 *
 * @param sourceName The source's path, for error messages.
 * @returns the records to store, one per variant.
 * @throws {ThumbnailSourceError} when the image cannot be read or decoded (the job records it as non-fatal);
 *   errors writing the thumbnails (a full disk, no permission) as they are.
 */
export async function renderThumbnails(
  source: string | Buffer,
  contentId: string,
  variants: readonly ThumbnailVariant[],
  directory: string,
  sourceName: string = typeof source === 'string' ? source : 'the image',
): Promise<ThumbnailRecord[]> {
  const largest = Math.max(...variants.map((v) => v.size));
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(source, { failOn: 'error' })
      .autoOrient()
      .resize(largest, largest, { fit: 'inside', withoutEnlargement: true })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new ThumbnailSourceError(sourceName, toError(error).message, { cause: error });
  }
  const { data, info } = decoded;
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } } as const;
  await fs.mkdir(path.dirname(thumbnailPath(directory, contentId, variants[0].name)), { recursive: true });
  return Promise.all(
    variants.map(async (variant) => {
      const temporary = temporaryPath(directory, contentId, variant.name);
      let written: OutputInfo;
      try {
        written = await sharp(data, raw)
          .resize(variant.size, variant.size, { fit: 'inside', withoutEnlargement: true })
          .webp({ quality: variant.quality })
          .toFile(temporary);
        await fs.rename(temporary, thumbnailPath(directory, contentId, variant.name));
      } catch (error) {
        await fs.rm(temporary, { force: true });
        throw error;
      }
      return {
        contentId,
        variant: variant.name,
        width: written.width,
        height: written.height,
        bytes: written.size,
      };
    }),
  );
}
