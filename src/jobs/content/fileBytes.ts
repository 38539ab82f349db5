/**
 * The reads duplicate detection makes, synchronous on purpose: on files in the page cache a synchronous
 * `pread` costs a few microseconds, less than the round trip to libuv's thread pool, and the job is one
 * sequential pass like `jdupes`. Buffers are reused across calls (hashing is synchronous, calls never
 * interleave), and every read checks the size the file was stat-ed with.
 */
import fs from 'node:fs';
import { blake3Hex, createHasher } from './blake3.js';
import { ContentChangedError } from './ContentChangedError.js';
import { readFullySync } from './readFully.js';
import { openRegularFileSync } from './openRegularFile.js';
import { nativeReadFile } from '../fs/nativeReadFile.js';

/** Bytes hashed at each end of a file for the partial hash. */
export const EDGE_BYTES = 4096;
/** Files up to this size are read whole on the first pass: their partial hash is their full hash. */
export const WHOLE_FILE_BYTES = 16 * 1024;

const CHUNK = 1024 * 1024;
const chunkA = Buffer.allocUnsafe(CHUNK);
const chunkB = Buffer.allocUnsafe(CHUNK);
const edges = Buffer.allocUnsafe(2 * EDGE_BYTES);

/** What the first read of a file gives. */
export interface FirstPass {
  /** BLAKE3 of the first and last 4 KiB (of the whole file, for small files). */
  readonly partial: string;
  /** The full BLAKE3, when the file was small enough to read whole. */
  readonly full: string | null;
  readonly bytesRead: number;
}

/**
 * The partial hash of a file of `size` bytes: BLAKE3 of its first and last {@link EDGE_BYTES}; a file up to
 * {@link WHOLE_FILE_BYTES} is read whole and its full hash comes with it.
 *
 * @throws the `fs` error when it cannot be read; {@link ContentChangedError} when its length is not `size`.
 */
export function firstPass(path: Uint8Array, size: number): FirstPass {
  if (size <= WHOLE_FILE_BYTES) {
    readWholeSync(asBuffer(path), size);
    const hash = blake3Hex(chunkA.subarray(0, size));
    return { partial: hash, full: hash, bytesRead: size };
  }
  readEdgesSync(asBuffer(path), size);
  return { partial: blake3Hex(edges), full: null, bytesRead: 2 * EDGE_BYTES };
}

/**
 * Read the whole of a file of `size` bytes (less than 1 MiB) into `chunkA`: in one native call
 * (`nativeReadFile`: open, `fstat`, the read, close) where it can, else through `fs`, which throws the exact
 * error. One byte more is asked for, to see a file that grew.
 *
 * @throws {ContentChangedError} when its length is not `size`.
 */
function readWholeSync(path: Buffer, size: number): void {
  let n = nativeReadFile(path, chunkA, size + 1, 0);
  if (n === null) {
    const fd = openRegularFileSync(path);
    try {
      n = readExpectedSync(fd, chunkA, size);
    } finally {
      fs.closeSync(fd);
    }
  }
  if (n !== size) throw new ContentChangedError(display(path), size, n < size ? 'shorter' : 'longer');
}

/**
 * Read the first and last {@link EDGE_BYTES} of a file of `size` bytes (more than twice that) into `edges`,
 * natively where it can, as {@link readWholeSync} does.
 *
 * @throws {ContentChangedError} when the file is shorter now.
 */
function readEdgesSync(path: Buffer, size: number): void {
  let n = nativeReadFile(path, edges, EDGE_BYTES, 0, EDGE_BYTES, size - EDGE_BYTES);
  if (n === null) {
    const fd = openRegularFileSync(path);
    try {
      n =
        readFullySync(fd, edges, 0, EDGE_BYTES, 0) +
        readFullySync(fd, edges, EDGE_BYTES, EDGE_BYTES, size - EDGE_BYTES);
    } finally {
      fs.closeSync(fd);
    }
  }
  // Each read gives at most EDGE_BYTES: both are whole only if their sum is.
  if (n !== 2 * EDGE_BYTES) throw new ContentChangedError(display(path), size, 'shorter');
}

/**
 * Read a file expected to hold `size` bytes into `buffer` (at least `size + 1` bytes long), asking for one
 * byte more to see a file that grew. A read that returns exactly `size` is taken as the end of the file (a
 * regular file's read comes back short only at its end), which saves the second `read` that would return 0
 * on every file; a read shorter than `size` goes on until the end of the file, as `readFullySync` does.
 * Returns the bytes read: `size` when the file still has its size, more when it grew, fewer when it shrank.
 */
export function readExpectedSync(fd: number, buffer: Uint8Array, size: number): number {
  const n = fs.readSync(fd, buffer, 0, size + 1, 0);
  if (n === 0 || n >= size) return n;
  return n + readFullySync(fd, buffer, n, size + 1 - n, n);
}

/**
 * The full BLAKE3 of a file of `size` bytes, as 64 hex characters (the same digest as `fullHashOfFile`).
 *
 * @throws the `fs` error when it cannot be read; {@link ContentChangedError} when its length is not `size`.
 */
export function fullHashSync(path: Uint8Array, size: number): string {
  if (size < CHUNK) {
    // One read, and none more to learn the end: a file that fits the buffer hashes in one piece.
    readWholeSync(asBuffer(path), size);
    return blake3Hex(chunkA.subarray(0, size));
  }
  const fd = openRegularFileSync(asBuffer(path));
  try {
    const hasher = createHasher();
    let position = 0;
    for (;;) {
      const n = readFullySync(fd, chunkA, 0, CHUNK, position);
      if (n === 0) break;
      position += n;
      if (position > size) throw new ContentChangedError(display(path), size, 'longer');
      hasher.update(n === CHUNK ? chunkA : chunkA.subarray(0, n));
      if (n < CHUNK) break;
    }
    if (position < size) throw new ContentChangedError(display(path), size, 'shorter');
    return Buffer.from(hasher.digest()).toString('hex');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Whether two files of `size` bytes have the same bytes, compared chunk by chunk (stops at the first
 * difference).
 *
 * @throws the `fs` error when one cannot be read; {@link ContentChangedError} when one's length is not `size`.
 */
export function sameBytes(a: Uint8Array, b: Uint8Array, size: number): boolean {
  const fa = openRegularFileSync(asBuffer(a));
  try {
    const fb = openRegularFileSync(asBuffer(b));
    try {
      for (let position = 0; position <= size; position += CHUNK) {
        const na = readFullySync(fa, chunkA, 0, CHUNK, position);
        const nb = readFullySync(fb, chunkB, 0, CHUNK, position);
        if (position + na > size) throw new ContentChangedError(display(a), size, 'longer');
        if (position + nb > size) throw new ContentChangedError(display(b), size, 'longer');
        if (na !== nb) throw new ContentChangedError(display(na < nb ? a : b), size, 'shorter');
        if (chunkA.compare(chunkB, 0, nb, 0, na) !== 0) return false;
        if (na < CHUNK) {
          if (position + na < size) throw new ContentChangedError(display(a), size, 'shorter');
          break;
        }
      }
      return true;
    } finally {
      fs.closeSync(fb);
    }
  } finally {
    fs.closeSync(fa);
  }
}

/** A path for messages (UTF-8, invalid bytes replaced). */
export function display(path: Uint8Array): string {
  return asBuffer(path).toString('utf8');
}

/** Path bytes as a `Buffer` (a checkpoint gives them back as plain `Uint8Array`s), without a copy. */
export function asBuffer(path: Uint8Array): Buffer {
  return Buffer.isBuffer(path) ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength);
}
