/**
 * What a file is, from its bytes: the indexer's deep mode. {@link sniffFile} reads a file's head and gives
 * its MIME type (`file-type`, and text sniffing), its {@link ContentKind} and, for images, width, height
 * and Exif orientation (`sharp`).
 *
 * The parts are exported here too: {@link sniffBytes} (magic numbers), {@link imageInfo} (image headers)
 * and {@link kindOfExtension} (for when the bytes are not read). `file-type` and `sharp` load on the
 * first file sniffed, not with this module.
 */
import { Buffer } from 'node:buffer';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ITokenizer } from 'strtok3';
import type { ContentKind } from './ContentKind.js';
import { imageInfoOfFile } from './imageInfoOfFile.js';
import { detectInBytes, detectInFile, sniffHead } from './sniffBytes.js';
import { sniffText } from './sniffText.js';
import { NotARegularFileError, READ_REGULAR } from './openRegularFile.js';

export type { ContentKind } from './ContentKind.js';
export { type ImageInfo, imageInfo } from './imageInfo.js';
export { kindOfExtension } from './kindOfExtension.js';
export { type SniffedType, sniffBytes } from './sniffBytes.js';

/** What {@link sniffFile} found. */
export interface SniffResult {
  /** The MIME type from the bytes (refined by the extension only where the bytes allow, see `sniffBytes`). */
  readonly mime: string;
  readonly kind: ContentKind;
  /** Width in pixels, for images whose headers could be read (stored; as shown for HEIF). */
  readonly width?: number;
  /** Height in pixels, for images whose headers could be read (stored; as shown for HEIF). */
  readonly height?: number;
  /** Exif orientation, 2 to 8, or 1 when the file says 1; left out when the file has none. */
  readonly orientation?: number;
}

/** Bytes read from the start of every file: enough for every signature (ISO 9660's is at 32 KiB). */
const HEAD = 64 * 1024;

/** The extension of the last component of `file` (bytes read as Latin-1: extensions worth knowing are ASCII). */
function extensionOf(file: string | Buffer): string | null {
  const ext = path.extname(typeof file === 'string' ? file : file.toString('latin1'));
  return ext.length > 1 ? ext : null;
}

/** Fill `buffer` from the start of the file, looping over short reads; the bytes read. */
async function readHead(handle: fs.FileHandle, buffer: Buffer): Promise<number> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/**
 * A `strtok3` tokenizer over the file already open as `handle` (its `fromFile` opens the path again, and
 * takes only string paths). Closing the tokenizer leaves `handle` open.
 */
async function tokenizerOf(handle: fs.FileHandle, size: number): Promise<ITokenizer> {
  const { FileTokenizer } = await import('strtok3');
  class HandleTokenizer extends FileTokenizer {
    constructor() {
      super(handle, { fileInfo: { size } });
    }
    /** `file-type` closes the tokenizer it was given: leave the handle to `sniffFile`. */
    override async close(): Promise<void> {}
  }
  return new HandleTokenizer();
}

/**
 * The MIME type and kind of the file at `file`, and for images their width and height and Exif
 * orientation, from one positioned read of the first 64 KiB (or `size` bytes, if fewer). A binary head
 * `file-type` cannot place is looked at again with random access to the file (a TIFF whose first directory
 * is at its end); an image larger than the head is measured by `sharp` reading the file itself.
 *
 * @param file The path, as a string or as bytes (names that are not UTF-8).
 * @param size The file's size from its `stat`: the head stops there, and a 0 gives `application/x-empty`.
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
  const handle = await fs.open(file, READ_REGULAR);
  try {
    const st = await handle.stat();
    if (!st.isFile() && !st.isDirectory()) throw new NotARegularFileError(file);
    const buffer = Buffer.allocUnsafe(Math.min(HEAD, Math.max(0, size)));
    const head = buffer.subarray(0, await readHead(handle, buffer));
    // A binary head file-type cannot place is looked at again with random access to the file.
    const detect = async (bytes: Uint8Array) =>
      (await detectInBytes(bytes)) ??
      (bytes.length < size && sniffText(bytes) === null
        ? await detectInFile(await tokenizerOf(handle, size))
        : undefined);
    const { mime, kind } = await sniffHead(head, extensionOf(file), detect);
    if (kind !== 'image') return { mime, kind };
    const info = await imageInfoOfFile(file, handle, head, size, mime);
    if (info === null) return { mime, kind };
    const { width, height, orientation } = info;
    return orientation === null ? { mime, kind, width, height } : { mime, kind, width, height, orientation };
  } finally {
    await handle.close();
  }
}
