/**
 * Image sizes and orientations from headers: PNG, GIF, BMP, WebP, JPEG, TIFF and ICO, told apart by their
 * magic numbers. Every read is bounds-checked (`byteReads.ts`), so truncated or hostile bytes give `null`
 * or a result, never an exception.
 */
import { hasAt, u8, u16, u24le, u32 } from './byteReads.js';
import { heifInfo } from './heifInfo.js';
import { readJpegInfo } from './jpegInfo.js';
import type { ImageInfo } from './ImageSize.js';
import { exifOrientation, readIfdTags, readTiffHeader } from './tiffIfd.js';

export type { ImageInfo } from './ImageSize.js';

/** Largest width or height any of these formats can state that is still a sane image (2^31 − 1). */
const MAX_SIDE = 0x7fffffff;

/** `{ width, height, orientation }` when both sides are positive and sane, else `null`. */
function sized(width: number, height: number, orientation: number | null = null): ImageInfo | null {
  return width > 0 && height > 0 && width <= MAX_SIDE && height <= MAX_SIDE
    ? { width, height, orientation }
    : null;
}

function pngInfo(bytes: Uint8Array): ImageInfo | null {
  if (!hasAt(bytes, 12, 'IHDR')) return null;
  // Orientation lives in an eXIf chunk, which must come before the image data.
  let orientation: number | null = null;
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = u32(bytes, at);
    if (length > MAX_SIDE || hasAt(bytes, at + 4, 'IDAT') || hasAt(bytes, at + 4, 'IEND')) break;
    if (hasAt(bytes, at + 4, 'eXIf')) {
      orientation = exifOrientation(bytes.subarray(at + 8, at + 8 + length));
      break;
    }
    at += 12 + length;
  }
  return sized(u32(bytes, 16), u32(bytes, 20), orientation);
}

function gifInfo(bytes: Uint8Array): ImageInfo | null {
  return sized(u16(bytes, 6, true), u16(bytes, 8, true));
}

/** The DIB header sizes of the BMP variants (OS/2 1 and 2, Windows 3 to 5); anything else is not a BMP. */
const BMP_HEADERS = new Set([12, 16, 40, 52, 56, 64, 108, 124]);

/** Whether `bytes` start like a BMP: `BM` and a known DIB header size. */
export function isBmp(bytes: Uint8Array): boolean {
  return hasAt(bytes, 0, 'BM') && BMP_HEADERS.has(u32(bytes, 14, true));
}

function bmpInfo(bytes: Uint8Array): ImageInfo | null {
  if (!isBmp(bytes)) return null;
  if (u32(bytes, 14, true) === 12) return sized(u16(bytes, 18, true), u16(bytes, 20, true));
  const width = int32(u32(bytes, 18, true));
  // A negative height is a top-down bitmap of that many rows.
  const height = int32(u32(bytes, 22, true));
  return sized(width, Math.abs(height));
}

function int32(value: number): number {
  return value > 0x7fffffff ? value - 0x100000000 : value;
}

/**
 * The orientation in a WebP `EXIF` chunk's payload. The payload should be a bare TIFF structure, but some
 * writers keep the `Exif\0\0` prefix JPEG uses; both are read.
 */
export function webpExifOrientation(payload: Uint8Array): number | null {
  return exifOrientation(payload, hasAt(payload, 0, 'Exif\0\0') ? 6 : 0);
}

/** Whether a WebP's VP8X header says the file has an `EXIF` chunk (flag bit 3). */
export function webpHasExif(bytes: Uint8Array): boolean {
  return hasAt(bytes, 12, 'VP8X') && (u8(bytes, 20) & 0x08) !== 0;
}

function webpInfo(bytes: Uint8Array): ImageInfo | null {
  if (hasAt(bytes, 12, 'VP8 ')) {
    // A key frame: 3-byte frame tag, start code 9D 01 2A, then 14-bit width and height (2 bits of scale).
    if (!hasAt(bytes, 23, [0x9d, 0x01, 0x2a])) return null;
    return sized(u16(bytes, 26, true) & 0x3fff, u16(bytes, 28, true) & 0x3fff);
  }
  if (hasAt(bytes, 12, 'VP8L')) {
    // Signature 0x2F, then width − 1 and height − 1 in 14 bits each, least significant bits first.
    const bits = u32(bytes, 21, true);
    if (u8(bytes, 20) !== 0x2f || bits < 0) return null;
    return sized((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (hasAt(bytes, 12, 'VP8X')) {
    const width = u24le(bytes, 24);
    const height = u24le(bytes, 27);
    if (width < 0 || height < 0) return null;
    let orientation: number | null = null;
    if (webpHasExif(bytes)) {
      for (let at = 12; at + 8 <= bytes.length; ) {
        const size = u32(bytes, at + 4, true);
        if (hasAt(bytes, at, 'EXIF')) {
          orientation = webpExifOrientation(bytes.subarray(at + 8, at + 8 + size));
          break;
        }
        at += 8 + size + (size & 1);
      }
    }
    return sized(width + 1, height + 1, orientation);
  }
  return null;
}

function tiffInfo(bytes: Uint8Array): ImageInfo | null {
  const header = readTiffHeader(bytes);
  if (header === null) return null;
  const tags = readIfdTags(bytes, header.ifd0, header.le);
  return tags.width === null || tags.height === null
    ? null
    : sized(tags.width, tags.height, tags.orientation);
}

/**
 * Whether `bytes` start like an icon or cursor: a 6-byte header (type 1 or 2, at least one image) and a
 * first directory entry with its reserved byte zero and its image after the directory. Four bytes of
 * magic with three zeros are too weak on their own.
 */
export function isIco(bytes: Uint8Array): boolean {
  const count = u16(bytes, 4, true);
  return (
    (hasAt(bytes, 0, [0, 0, 1, 0]) || hasAt(bytes, 0, [0, 0, 2, 0])) &&
    count >= 1 &&
    u8(bytes, 9) === 0 &&
    u32(bytes, 14, true) > 0 &&
    u32(bytes, 18, true) >= 6 + 16 * count
  );
}

function icoInfo(bytes: Uint8Array): ImageInfo | null {
  if (!isIco(bytes)) return null;
  // Sixteen-byte entries after a 6-byte header; the size of the largest image, a width or height byte of 0
  // meaning 256.
  let best: ImageInfo | null = null;
  const count = u16(bytes, 4, true);
  for (let i = 0; i < count; i++) {
    const entry = 6 + i * 16;
    if (entry + 16 > bytes.length) break;
    const width = bytes[entry] || 256;
    const height = bytes[entry + 1] || 256;
    if (best === null || width * height > best.width * best.height)
      best = { width, height, orientation: null };
  }
  return best;
}

/**
 * The size and Exif orientation of the image at the start of `head`, read from its headers without
 * decoding pixels: PNG (IHDR, eXIf), GIF (logical screen), BMP (all DIB headers, top-down included), WebP
 * (VP8, VP8L, VP8X with EXIF), JPEG (SOFn and the first Exif APP1), TIFF (IFD0), ICO (largest entry) and
 * HEIF/AVIF (the primary item's `ispe`, with `irot`/`imir` given as the equivalent orientation).
 *
 * Returns `null` for other formats and when the headers are missing, truncated or broken; never throws.
 * `head` need not be the whole file: the first 64 KiB are enough for most images; `sniffFile` reads further
 * when a JPEG frame header, TIFF directory or WebP EXIF chunk lies beyond.
 *
 * @example
 * ```ts
 * imageInfo(fs.readFileSync('photo.jpg')); // { width: 4000, height: 3000, orientation: 6 }
 * imageInfo(new Uint8Array([1, 2, 3])); // null
 * ```
 */
export function imageInfo(head: Uint8Array): ImageInfo | null {
  if (hasAt(head, 0, '\x89PNG\r\n\x1a\n')) return pngInfo(head);
  if (hasAt(head, 0, 'GIF87a') || hasAt(head, 0, 'GIF89a')) return gifInfo(head);
  if (hasAt(head, 0, 'BM')) return bmpInfo(head);
  if (hasAt(head, 0, 'RIFF') && hasAt(head, 8, 'WEBP')) return webpInfo(head);
  if (hasAt(head, 0, [0xff, 0xd8, 0xff])) {
    const jpeg = readJpegInfo(head);
    return jpeg === 'truncated' ? null : jpeg;
  }
  if (hasAt(head, 0, 'II*\0') || hasAt(head, 0, 'MM\0*')) return tiffInfo(head);
  if (hasAt(head, 0, [0, 0, 1, 0]) || hasAt(head, 0, [0, 0, 2, 0])) return icoInfo(head);
  if (hasAt(head, 4, 'ftyp')) return heifInfo(head);
  return null;
}
