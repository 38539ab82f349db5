/**
 * An image's size and orientation from an open file whose head has been read: {@link imageInfo} on the
 * head, and positioned reads beyond it where a format puts what is needed further on.
 *
 * - JPEG: Exif thumbnails, ICC profiles and XMP packets can push the frame header past 64 KiB; read on in
 *   256 KiB steps, up to 4 MiB.
 * - TIFF: writers such as libtiff put IFD0 after the image data, at the end of the file; read it there.
 * - WebP: the `EXIF` chunk follows the image data; walk the chunk headers to it.
 */
import { Buffer } from 'node:buffer';
import { hasAt, u32 } from './byteReads.js';
import { type ImageInfo, imageInfo, webpExifOrientation, webpHasExif } from './imageInfo.js';
import { readJpegInfo } from './jpegInfo.js';
import { readFully } from './readFully.js';
import { readIfdTags, readTiffHeader } from './tiffIfd.js';

const JPEG_STEP = 256 * 1024;
const JPEG_LIMIT = 4 * 1024 * 1024;
/** Room for an IFD of 1,365 entries; the three tags read sort among the first. */
const IFD_READ = 16 * 1024;
/** WebP chunks walked before giving up (an animation has one per frame). */
const WEBP_CHUNK_LIMIT = 64;
const EXIF_READ = 64 * 1024;

async function readAt(fd: number, position: number, length: number): Promise<Uint8Array> {
  const buffer = Buffer.allocUnsafe(Math.max(0, length));
  return buffer.subarray(0, await readFully(fd, buffer, 0, buffer.length, position));
}

async function jpegInfo(fd: number, head: Uint8Array, size: number): Promise<ImageInfo | null> {
  let info = readJpegInfo(head);
  if (info !== 'truncated' || head.length >= size) return info === 'truncated' ? null : info;
  const buffer = Buffer.allocUnsafe(Math.min(size, JPEG_LIMIT));
  buffer.set(head);
  let filled = head.length;
  while (info === 'truncated' && filled < buffer.length) {
    const got = await readFully(fd, buffer, filled, Math.min(JPEG_STEP, buffer.length - filled), filled);
    if (got === 0) break;
    filled += got;
    info = readJpegInfo(buffer.subarray(0, filled));
  }
  return info === 'truncated' ? null : info;
}

async function tiffInfo(fd: number, head: Uint8Array, size: number): Promise<ImageInfo | null> {
  const header = readTiffHeader(head);
  if (header === null || header.ifd0 + 2 <= head.length || header.ifd0 >= size) return imageInfo(head);
  const ifd = await readAt(fd, header.ifd0, Math.min(IFD_READ, size - header.ifd0));
  const { width, height, orientation } = readIfdTags(ifd, 0, header.le);
  return width === null || height === null ? null : { width, height, orientation };
}

async function webpInfo(fd: number, head: Uint8Array, size: number): Promise<ImageInfo | null> {
  const info = imageInfo(head);
  if (info === null || info.orientation !== null || !webpHasExif(head) || head.length >= size) return info;
  let at = 12;
  for (let hop = 0; hop < WEBP_CHUNK_LIMIT && at + 8 <= size; hop++) {
    const header = at + 8 <= head.length ? head.subarray(at, at + 8) : await readAt(fd, at, 8);
    const chunkSize = u32(header, 4, true);
    if (chunkSize < 0) break;
    if (hasAt(header, 0, 'EXIF')) {
      const payload = await readAt(fd, at + 8, Math.min(chunkSize, EXIF_READ, size - at - 8));
      return { ...info, orientation: webpExifOrientation(payload) };
    }
    at += 8 + chunkSize + (chunkSize & 1);
  }
  return info;
}

/**
 * The size and orientation of the image in the file open as `fd`, of `size` bytes, whose first bytes are
 * `head` and whose sniffed type is `mime`. TIFF-based camera raw files (DNG, NEF...) get none: their IFD0
 * is usually a small preview, not the picture.
 */
export async function imageInfoOfFile(
  fd: number,
  head: Uint8Array,
  size: number,
  mime: string,
): Promise<ImageInfo | null> {
  if (mime === 'image/jpeg') return jpegInfo(fd, head, size);
  if (mime === 'image/tiff') return tiffInfo(fd, head, size);
  if (mime === 'image/webp') return webpInfo(fd, head, size);
  if (readTiffHeader(head) !== null) return null;
  return imageInfo(head);
}
