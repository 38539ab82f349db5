/**
 * Image sizes and orientations: `sharp`'s metadata (libvips reads the headers, not the pixels) for the
 * formats it reads, and BMP and ICO headers here, which the libvips that `sharp` ships does not read.
 * `sharp` is loaded on the first image, so importing this module costs nothing.
 */
import type { Metadata, Sharp, SharpOptions } from 'sharp';
import { hasAt, u8, u16, u32 } from './byteReads.js';
import type { ImageInfo } from './ImageSize.js';

export type { ImageInfo } from './ImageSize.js';

/** Largest width or height any of these formats can state that is still a sane image (2^31 − 1). */
const MAX_SIDE = 0x7fffffff;

/** `{ width, height, orientation }` when both sides are positive and sane, else `null`. */
function sized(width: number, height: number, orientation: number | null = null): ImageInfo | null {
  return width > 0 && height > 0 && width <= MAX_SIDE && height <= MAX_SIDE
    ? { width, height, orientation }
    : null;
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

/** The size of a BMP or ICO image from its header, or `null` when `head` is neither (or is broken). */
export function headerImageInfo(head: Uint8Array): ImageInfo | null {
  if (hasAt(head, 0, 'BM')) return bmpInfo(head);
  if (hasAt(head, 0, [0, 0, 1, 0]) || hasAt(head, 0, [0, 0, 2, 0])) return icoInfo(head);
  return null;
}

let sharpModule: Promise<(input: string | Uint8Array, options: SharpOptions) => Sharp> | undefined;

/**
 * `sharp`, loaded once, on first use, with libvips' operation cache off: it keys a file's metadata by its
 * name, so it would hand back an earlier file's size for a name reused (`/proc/self/fd/N`) or a file
 * changed in place. (This is process-wide: `sharp.cache()` again turns it back on.)
 */
function loadSharp(): Promise<(input: string | Uint8Array, options: SharpOptions) => Sharp> {
  sharpModule ??= import('sharp').then((m) => {
    m.default.cache(false);
    return m.default;
  });
  return sharpModule;
}

/**
 * What `sharp` reads of an image's headers: stored width and height and Exif orientation. HEIF images
 * (HEIC, AVIF) come with their rotation and mirroring applied (libheif applies `irot` and `imir`), so
 * their width and height are as shown and they have no orientation. `null` when `sharp` cannot read the
 * headers (not an image, broken or cut before its headers end).
 */
export async function sharpImageInfo(input: string | Uint8Array): Promise<ImageInfo | null> {
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    // Headers only: no pixel limit, and warnings about the pixel data (a cut file) are no reason to fail.
    meta = await sharp(input, { failOn: 'none', limitInputPixels: false }).metadata();
  } catch {
    return null;
  }
  const { width, height, orientation } = meta;
  if (width === undefined || height === undefined) return null;
  return sized(
    width,
    height,
    orientation !== undefined && orientation >= 1 && orientation <= 8 ? orientation : null,
  );
}

/**
 * The size and Exif orientation of the image in `bytes` (a whole file, or its start), read from its
 * headers without decoding pixels: BMP and ICO here, every format `sharp` reads through `sharp`.
 * Resolves `null` for other formats and when the headers are missing, cut or broken; never rejects.
 *
 * @example
 * ```ts
 * await imageInfo(fs.readFileSync('photo.jpg')); // { width: 4000, height: 3000, orientation: 6 }
 * await imageInfo(new Uint8Array([1, 2, 3])); // null
 * ```
 */
export async function imageInfo(bytes: Uint8Array): Promise<ImageInfo | null> {
  if (bytes.length === 0) return null;
  if (hasAt(bytes, 0, 'BM') || hasAt(bytes, 0, [0, 0, 1, 0]) || hasAt(bytes, 0, [0, 0, 2, 0])) {
    return headerImageInfo(bytes);
  }
  return sharpImageInfo(bytes);
}
