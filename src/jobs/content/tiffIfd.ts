/**
 * The first image file directory (IFD0) of a TIFF structure: the one layout behind TIFF files, camera raw
 * files built on TIFF and the Exif block of JPEG (APP1), PNG (eXIf) and WebP (EXIF) images.
 *
 * Only the three tags the indexer records are read, and each is a SHORT or LONG stored in its entry, so
 * the directory's own bytes are all that is needed; nothing is followed out of it. BigTIFF is not read.
 */
import { hasAt, u16, u32 } from './byteReads.js';

/** Where a TIFF structure's IFD0 is and how its integers are stored. */
export interface TiffHeader {
  /** Little-endian (`II`) rather than big-endian (`MM`). */
  readonly le: boolean;
  /** Offset of IFD0 from the start of the TIFF header. */
  readonly ifd0: number;
}

/** The tags of an IFD the indexer records; `null` where the tag is missing or unusable. */
export interface TiffTags {
  /** ImageWidth (0x0100), when positive. */
  readonly width: number | null;
  /** ImageLength (0x0101), when positive. */
  readonly height: number | null;
  /** Orientation (0x0112), when 1 to 8. */
  readonly orientation: number | null;
}

const ENTRY = 12;
const SHORT = 3;
const LONG = 4;

/** The TIFF header at `start` of `bytes` (`II*\0` or `MM\0*` and the IFD0 offset), or `null`. */
export function readTiffHeader(bytes: Uint8Array, start = 0): TiffHeader | null {
  const le = hasAt(bytes, start, 'II*\0');
  if (!le && !hasAt(bytes, start, 'MM\0*')) return null;
  const ifd0 = u32(bytes, start + 4, le);
  return ifd0 >= 8 ? { le, ifd0 } : null;
}

/**
 * The recorded tags of the IFD at `at` of `bytes`. Entries that do not fit in `bytes` are not read, so a
 * truncated directory gives the tags of its complete entries.
 */
export function readIfdTags(bytes: Uint8Array, at: number, le: boolean): TiffTags {
  let width: number | null = null;
  let height: number | null = null;
  let orientation: number | null = null;
  const count = u16(bytes, at, le);
  for (let i = 0; i < count; i++) {
    const entry = at + 2 + i * ENTRY;
    if (entry + ENTRY > bytes.length) break;
    const tag = u16(bytes, entry, le);
    const type = u16(bytes, entry + 2, le);
    const value = type === SHORT ? u16(bytes, entry + 8, le) : type === LONG ? u32(bytes, entry + 8, le) : -1;
    if (value < 0 || u32(bytes, entry + 4, le) < 1) continue;
    if (tag === 0x0100) width = value > 0 ? value : null;
    else if (tag === 0x0101) height = value > 0 ? value : null;
    else if (tag === 0x0112) orientation = value >= 1 && value <= 8 ? value : null;
  }
  return { width, height, orientation };
}

/**
 * The Exif orientation (1 to 8) of the TIFF structure that starts at `start` of `bytes`, or `null` when it
 * has none or the structure is not readable there.
 */
export function exifOrientation(bytes: Uint8Array, start = 0): number | null {
  const header = readTiffHeader(bytes, start);
  return header === null ? null : readIfdTags(bytes, start + header.ifd0, header.le).orientation;
}
