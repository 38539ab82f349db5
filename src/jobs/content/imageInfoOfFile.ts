/**
 * The size and orientation of an image file: its head when that is the whole file, else `sharp` reading
 * the file itself, as far as its format needs (a JPEG's frame header after a large ICC profile, a TIFF's
 * first directory at the end of the file, a WebP's EXIF chunk after the image data).
 */
import type { FileHandle } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { descriptorPath } from '../fs/descriptorPath.js';
import { type ImageInfo, headerImageInfo, sharpImageInfo } from './imageInfo.js';

/**
 * The types whose size is read: the raster formats `sharp` reads, and BMP and ICO. Camera raw files are
 * not among them, though some are TIFFs underneath: their first directory is usually a small preview.
 */
const SHARP_TYPES = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/tiff',
  'image/avif',
  'image/heic',
  'image/heif',
  'image/heic-sequence',
  'image/heif-sequence',
]);

/**
 * A path `sharp` (libvips, which takes file names as strings) opens as the file open as `handle`: on
 * Linux the descriptor itself, so that it is the same file whatever was renamed since; elsewhere the
 * path, when it is a string or UTF-8 bytes. `null` for a name that is not UTF-8, off Linux.
 */
function pathForSharp(file: string | Buffer, handle: FileHandle): string | null {
  const own = descriptorPath(handle.fd);
  if (own !== undefined) return own;
  if (typeof file === 'string') return file;
  return isUtf8(file) ? file.toString('utf8') : null;
}

/**
 * The size and orientation of the image in the file `file`, open as `handle`, of `size` bytes, whose first
 * bytes are `head` and whose sniffed type is `mime`; `null` for other types and unreadable headers.
 */
export async function imageInfoOfFile(
  file: string | Buffer,
  handle: FileHandle,
  head: Uint8Array,
  size: number,
  mime: string,
): Promise<ImageInfo | null> {
  if (mime === 'image/bmp' || mime === 'image/x-icon') return headerImageInfo(head);
  if (!SHARP_TYPES.has(mime)) return null;
  if (head.length >= size) return sharpImageInfo(head);
  const path = pathForSharp(file, handle);
  return path === null ? null : sharpImageInfo(path);
}
