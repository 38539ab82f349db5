/**
 * A JPEG's size and Exif orientation from its markers, without decoding: walk the segments from SOI to the
 * first start-of-frame (SOFn), reading the orientation from the first Exif APP1 on the way.
 *
 * The walk can outrun the bytes at hand: Exif thumbnails, ICC profiles and XMP packets before the frame
 * header can be hundreds of KiB. It then says `'truncated'`, and `sniffFile` reads on.
 */
import { hasAt, u8, u16 } from './byteReads.js';
import type { ImageInfo } from './ImageSize.js';
import { exifOrientation } from './tiffIfd.js';

const SOS = 0xda;
const EOI = 0xd9;
const APP1 = 0xe1;

/** Start-of-frame markers: C0–CF except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Markers that stand alone, without a length: TEM, RST0–RST7 and SOI. */
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8);
}

/**
 * The size and orientation of the JPEG at the start of `bytes`; `'truncated'` when `bytes` ends before the
 * frame header (more of the file may hold it); `null` when it is not a JPEG or its markers are broken (an
 * EOI or scan before any frame header, a segment length below 2, a zero width or height).
 */
export function readJpegInfo(bytes: Uint8Array): ImageInfo | 'truncated' | null {
  if (!hasAt(bytes, 0, [0xff, 0xd8, 0xff])) return null;
  let orientation: number | null = null;
  let exifSeen = false;
  let at = 2;
  for (;;) {
    // A marker is 0xFF, any number of 0xFF fill bytes, then a code. Like libjpeg, skip stray bytes before it.
    while (at < bytes.length && bytes[at] !== 0xff) at++;
    while (at < bytes.length && bytes[at] === 0xff) at++;
    const marker = u8(bytes, at);
    if (marker < 0) return 'truncated';
    at++;
    if (marker === 0x00 || isStandalone(marker)) continue;
    if (marker === EOI || marker === SOS) return null;
    const length = u16(bytes, at);
    if (length < 0) return 'truncated';
    if (length < 2) return null;
    if (isStartOfFrame(marker)) {
      // Length, sample precision (1 byte), height, width.
      const height = u16(bytes, at + 3);
      const width = u16(bytes, at + 5);
      if (height < 0 || width < 0) return 'truncated';
      return width > 0 && height > 0 ? { width, height, orientation } : null;
    }
    if (marker === APP1 && !exifSeen && hasAt(bytes, at + 2, 'Exif\0')) {
      // Only the first Exif block counts, as for libvips; a later one is usually an embedded copy.
      exifSeen = true;
      const end = Math.min(at + length, bytes.length);
      orientation = exifOrientation(bytes.subarray(at + 8, end));
    }
    at += length;
  }
}
