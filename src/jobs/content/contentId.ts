/**
 * Content ids: Spacedrive's sampled BLAKE3 fingerprint of a file, which names "the same content" across
 * locations without reading whole large files.
 *
 * The hashed input is the file size as 8 little-endian bytes followed by either the whole file (up to
 * 100 KiB) or, for larger files, an 8 KiB header, four 10 KiB samples at `8 KiB + i · ⌊(size − 16 KiB) / 4⌋`
 * and the last 8 KiB. The id is the lowercase hex BLAKE3 digest of that input cut to 16 characters. Empty
 * files have no content id.
 *
 * The sampled bytes are read straight into one buffer behind the size prefix and hashed in one call: fed as
 * separate updates, every piece after the 8-byte prefix would start off a BLAKE3 chunk boundary and hash
 * about five times slower (see `blake3.ts`).
 */
import type { PathLike } from 'node:fs';
import * as fs from 'node:fs';
import { blake3Hex } from './blake3.js';
import { ContentChangedError } from './ContentChangedError.js';
import { closeFile, openForReading, readFully, readFullySync } from './readFully.js';
import { openRegularFileSync } from './openRegularFile.js';

const SIZE_PREFIX = 8;
const WHOLE_FILE_LIMIT = 100 * 1024;
const EDGE = 8 * 1024;
const SAMPLE = 10 * 1024;
const SAMPLE_COUNT = 4;
const ID_LENGTH = 16;

/** A byte range of a file: `[offset, length]`. */
export type ByteRange = readonly [offset: number, length: number];

/**
 * The byte ranges of a file of `size` bytes that its content id hashes, in hashing order: none for an empty
 * file, `[[0, size]]` up to 100 KiB (102,400 bytes), else header, four samples and footer.
 *
 * @example
 * ```ts
 * sampledRanges(1_000_000);
 * // [[0, 8192], [8192, 10240], [254096, 10240], [500000, 10240], [745904, 10240], [991808, 8192]]
 * ```
 */
export function sampledRanges(size: number): ByteRange[] {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`A file size must be a non-negative safe integer, got ${size}.`);
  }
  if (size === 0) return [];
  if (size <= WHOLE_FILE_LIMIT) return [[0, size]];
  const jump = Math.floor((size - 2 * EDGE) / SAMPLE_COUNT);
  const ranges: ByteRange[] = [[0, EDGE]];
  for (let i = 0; i < SAMPLE_COUNT; i++) ranges.push([EDGE + i * jump, SAMPLE]);
  ranges.push([size - EDGE, EDGE]);
  return ranges;
}

/** One positioned read: `length` bytes of the file at `position` into the buffer at `slot`. */
interface Read {
  readonly position: number;
  readonly slot: number;
  length: number;
}

/** The hashed input, laid out: the size prefix written, the reads that fill the rest, one spare byte. */
interface Layout {
  readonly buffer: Buffer;
  /** The sampled ranges in order, those that touch merged (the header and the first sample always do). */
  readonly reads: Read[];
  /** Bytes of `buffer` that are hashed: all but the spare byte, which catches a file that grew. */
  readonly hashed: number;
}

function layout(size: number): Layout | null {
  const ranges = sampledRanges(size);
  if (ranges.length === 0) return null;
  const reads: Read[] = [];
  let at = SIZE_PREFIX;
  for (const [offset, length] of ranges) {
    const previous = reads[reads.length - 1];
    if (previous !== undefined && previous.position + previous.length === offset) previous.length += length;
    else reads.push({ position: offset, slot: at, length });
    at += length;
  }
  const buffer = Buffer.allocUnsafe(at + 1);
  // 64-bit little-endian without BigInt: sizes are safe integers, below 2^53.
  buffer.writeUInt32LE(size % 2 ** 32, 0);
  buffer.writeUInt32LE(Math.floor(size / 2 ** 32), 4);
  return { buffer, reads, hashed: at };
}

function idOf({ buffer, hashed }: Layout): string {
  return blake3Hex(buffer.subarray(0, hashed)).slice(0, ID_LENGTH);
}

/**
 * The content id of `bytes` taken as a whole file's contents, or `null` when `bytes` is empty. Pure: the
 * reference the file functions agree with.
 */
export function contentIdOfBytes(bytes: Uint8Array): string | null {
  const plan = layout(bytes.length);
  if (plan === null) return null;
  for (const { position, slot, length } of plan.reads) {
    plan.buffer.set(bytes.subarray(position, position + length), slot);
  }
  return idOf(plan);
}

/**
 * How many bytes to ask for: the last read ends at `size` and asks for one byte more, so a file that grew
 * since it was stat-ed shows up there, and one that shrank shows up as a short read anywhere.
 */
function requested(plan: Layout, i: number): number {
  return plan.reads[i].length + (i === plan.reads.length - 1 ? 1 : 0);
}

function checkRead(file: PathLike | number, size: number, expected: number, got: number): void {
  if (got < expected) throw new ContentChangedError(file, size, 'shorter');
  if (got > expected) throw new ContentChangedError(file, size, 'longer');
}

/**
 * The content id of a file of `size` bytes (the size from its `stat`), or `null` when `size` is 0 (the file
 * is then not opened). Reads only the sampled ranges, with positioned reads on one descriptor, concurrently.
 *
 * @param file A path, or an open descriptor (read with positioned reads, its offset untouched, not closed).
 * @throws {ContentChangedError} when the file is no longer `size` bytes long.
 * @throws the `fs` error (`ENOENT`, `EACCES`, `EISDIR`...) when it cannot be opened or read.
 *
 * @example
 * ```ts
 * const { size } = await fs.promises.stat(path);
 * const id = await contentIdOfFile(path, size); // e.g. 'a1b2c3d4e5f60718', or null for an empty file
 * ```
 */
export async function contentIdOfFile(file: PathLike | number, size: number): Promise<string | null> {
  const plan = layout(size);
  if (plan === null) return null;
  const fd = typeof file === 'number' ? file : await openForReading(file);
  try {
    // allSettled, not all: the descriptor must not be closed under a read still in flight.
    const results = await Promise.allSettled(
      plan.reads.map((read, i) => readFully(fd, plan.buffer, read.slot, requested(plan, i), read.position)),
    );
    plan.reads.forEach((read, i) => {
      const result = results[i];
      if (result.status === 'rejected') throw result.reason;
      checkRead(file, size, read.length, result.value);
    });
  } finally {
    if (typeof file !== 'number') await closeFile(fd);
  }
  return idOf(plan);
}

/**
 * The synchronous twin of {@link contentIdOfFile}, for callers that hash many small cached files in a loop,
 * where a thread-pool round trip per read costs more than the read.
 */
export function contentIdOfFileSync(file: PathLike | number, size: number): string | null {
  const plan = layout(size);
  if (plan === null) return null;
  const fd = typeof file === 'number' ? file : openRegularFileSync(file);
  try {
    plan.reads.forEach((read, i) => {
      const got = readFullySync(fd, plan.buffer, read.slot, requested(plan, i), read.position);
      checkRead(file, size, read.length, got);
    });
  } finally {
    if (typeof file !== 'number') fs.closeSync(fd);
  }
  return idOf(plan);
}
