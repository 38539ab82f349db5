/**
 * What a file is, from its bytes: the indexer's deep mode. {@link sniffFile} reads a file's head and gives
 * its MIME type, its {@link ContentKind} and, for images, width, height and Exif orientation.
 *
 * The parts are pure functions over bytes, exported here too: {@link sniffBytes} (magic numbers),
 * {@link imageInfo} (image headers) and {@link kindOfExtension} (for when the bytes are not read).
 */
import { Buffer } from 'node:buffer';
import path from 'node:path';
import type { ContentKind } from './ContentKind.js';
import { imageInfoOfFile } from './imageInfoOfFile.js';
import { closeFile, openForReading, readFully } from './readFully.js';
import { sniffBytes } from './sniffBytes.js';

export type { ContentKind } from './ContentKind.js';
export { type ImageInfo, imageInfo } from './imageInfo.js';
export { kindOfExtension } from './kindOfExtension.js';
export { type SniffedType, sniffBytes } from './sniffBytes.js';

/** What {@link sniffFile} found. */
export interface SniffResult {
  /** The MIME type from the bytes (refined by the extension only where the bytes allow, see `sniffBytes`). */
  readonly mime: string;
  readonly kind: ContentKind;
  /** Stored width in pixels, for images whose headers could be read. */
  readonly width?: number;
  /** Stored height in pixels, for images whose headers could be read. */
  readonly height?: number;
  /** Exif orientation, 1 to 8, for images that have one. */
  readonly orientation?: number;
}

/** Bytes read from the start of every file: enough for every signature (ISO 9660's is at 32 KiB). */
const HEAD = 64 * 1024;

/** The extension of the last component of `file` (bytes read as Latin-1: extensions worth knowing are ASCII). */
function extensionOf(file: string | Buffer): string | null {
  const ext = path.extname(typeof file === 'string' ? file : file.toString('latin1'));
  return ext.length > 1 ? ext : null;
}

/**
 * The MIME type and kind of the file at `file`, and for images their stored width and height and Exif
 * orientation, from one positioned read of the first 64 KiB (or `size` bytes, if fewer). Images read on
 * only where their format needs it: a JPEG whose frame header lies past the head (up to 4 MiB, in 256 KiB
 * steps), a TIFF whose first directory is at the end, a WebP whose EXIF chunk follows the image data.
 *
 * @param file The path, as a string or as bytes (names that are not UTF-8).
 * @param size The file's size from its `stat`: reads stop there, and a 0 gives `application/x-empty`.
 * @throws the `fs` error (`ENOENT`, `EACCES`, `EISDIR`...) as it is, when the file cannot be opened or read.
 *
 * @example
 * ```ts
 * const { size } = await fs.promises.stat(file);
 * await sniffFile(file, size);
 * // { mime: 'image/jpeg', kind: 'image', width: 4000, height: 3000, orientation: 6 }
 * ```
 */
export async function sniffFile(file: string | Buffer, size: number): Promise<SniffResult> {
  const fd = await openForReading(file);
  try {
    const buffer = Buffer.allocUnsafe(Math.min(HEAD, Math.max(0, size)));
    const head = buffer.subarray(0, await readFully(fd, buffer, 0, buffer.length, 0));
    const { mime, kind } = sniffBytes(head, extensionOf(file));
    if (kind !== 'image') return { mime, kind };
    const info = await imageInfoOfFile(fd, head, size, mime);
    if (info === null) return { mime, kind };
    const { width, height, orientation } = info;
    return orientation === null ? { mime, kind, width, height } : { mime, kind, width, height, orientation };
  } finally {
    await closeFile(fd);
  }
}
