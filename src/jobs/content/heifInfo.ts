/**
 * The size and orientation of a HEIF image (HEIC, AVIF) from its `meta` box: the primary item (`pitm`),
 * the properties associated with it (`ipma`) in the property container (`ipco`), and among them its size
 * (`ispe`) and transformations (`irot`, `imir`).
 *
 * HEIF rotates and mirrors with those properties, not with an Exif tag (readers ignore the Exif one), so
 * the transformations are expressed here as the Exif orientation that has the same effect: the indexer
 * then stores every image the same way, stored size plus orientation. Orientation 1 is left out (`null`),
 * as for a JPEG without the tag.
 */
import { hasAt, latin1, u8, u16, u32 } from './byteReads.js';
import type { ImageInfo } from './ImageSize.js';

interface Box {
  readonly type: string;
  /** Where the box's payload starts (after the size and type, and a 64-bit size when there is one). */
  readonly body: number;
  /** Where the box ends, cut to the bytes at hand. */
  readonly end: number;
}

/** The boxes between `from` and `to`, ending at the first one whose header does not fit. */
function* boxes(bytes: Uint8Array, from: number, to: number): Generator<Box> {
  for (let at = from; at + 8 <= to; ) {
    let size = u32(bytes, at);
    let body = at + 8;
    if (size === 1) {
      // A 64-bit size; anything beyond 2^32 is past what a head can hold anyway.
      const high = u32(bytes, at + 8);
      size = high === 0 ? u32(bytes, at + 12) : Number.MAX_SAFE_INTEGER;
      body = at + 16;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < body - at) return;
    const end = Math.min(at + size, to);
    yield { type: latin1(bytes, at + 4, 4), body, end };
    at += size;
  }
}

/** The first `type` box in `parent`, whose payload opens with a version and flags when `parentIsFull`. */
function child(bytes: Uint8Array, parent: Box, type: string, parentIsFull = false): Box | undefined {
  for (const box of boxes(bytes, parent.body + (parentIsFull ? 4 : 0), parent.end)) {
    if (box.type === type) return box;
  }
  return undefined;
}

/** The 1-based indexes of the properties `ipma` associates with `item`, in order. */
function associations(bytes: Uint8Array, ipma: Box, item: number): number[] {
  const version = u8(bytes, ipma.body);
  const wide = (u8(bytes, ipma.body + 3) & 1) === 1;
  let at = ipma.body + 8;
  const count = u32(bytes, ipma.body + 4);
  for (let i = 0; i < count && at < ipma.end; i++) {
    const id = version < 1 ? u16(bytes, at) : u32(bytes, at);
    at += version < 1 ? 2 : 4;
    const n = u8(bytes, at++);
    if (id < 0 || n < 0) return [];
    if (id === item) {
      const found: number[] = [];
      for (let j = 0; j < n; j++, at += wide ? 2 : 1) {
        const index = wide ? u16(bytes, at) & 0x7fff : u8(bytes, at) & 0x7f;
        if (index > 0) found.push(index);
      }
      return found;
    }
    at += n * (wide ? 2 : 1);
  }
  return [];
}

/**
 * Exif orientations as (quarter turns clockwise, then a left-right flip): the index in this table is the
 * orientation minus one.
 */
const ORIENTATIONS: readonly (readonly [turns: number, flip: boolean])[] = [
  [0, false],
  [0, true],
  [2, false],
  [2, true],
  [1, true],
  [1, false],
  [3, true],
  [3, false],
];

/** The HEIF image's size and orientation from the `meta` box in `bytes`, or `null`. */
export function heifInfo(bytes: Uint8Array): ImageInfo | null {
  if (!hasAt(bytes, 4, 'ftyp')) return null;
  const meta = child(bytes, { type: '', body: 0, end: bytes.length }, 'meta');
  if (meta === undefined) return null;
  const pitm = child(bytes, meta, 'pitm', true);
  const iprp = child(bytes, meta, 'iprp', true);
  const ipco = iprp && child(bytes, iprp, 'ipco');
  const ipma = iprp && child(bytes, iprp, 'ipma');
  if (pitm === undefined || ipco === undefined || ipma === undefined) return null;
  const primary = u8(bytes, pitm.body) < 1 ? u16(bytes, pitm.body + 4) : u32(bytes, pitm.body + 4);
  const properties = [...boxes(bytes, ipco.body, ipco.end)];
  let width = -1;
  let height = -1;
  // The transformations compose in association order into one (turns, flip) pair, as the table has them.
  let turns = 0;
  let flip = false;
  for (const index of associations(bytes, ipma, primary)) {
    const property = properties[index - 1];
    if (property === undefined) continue;
    if (property.type === 'ispe') {
      width = u32(bytes, property.body + 4);
      height = u32(bytes, property.body + 8);
    } else if (property.type === 'irot') {
      // Anticlockwise quarter turns; after a flip, a turn runs the other way.
      const clockwise = (4 - (u8(bytes, property.body) & 3)) % 4;
      turns = (turns + (flip ? 4 - clockwise : clockwise)) % 4;
    } else if (property.type === 'imir') {
      // HEIF amendment 2 (2021) made the bit a `mode`, as libheif and iPhones had read it all along: 1 flips
      // left-right; 0 flips top-bottom, which is a half turn and a left-right flip. (The first edition's
      // `axis` said the opposite; libavif followed the amendment.)
      if ((u8(bytes, property.body) & 1) === 0) turns = (turns + 2) % 4;
      flip = !flip;
    }
  }
  if (width <= 0 || height <= 0) return null;
  const orientation = ORIENTATIONS.findIndex(([t, f]) => t === turns && f === flip) + 1;
  return { width, height, orientation: orientation > 1 ? orientation : null };
}
