import fs from 'node:fs';
import { blake3Hex } from './blake3.js';
import { ContentChangedError } from './ContentChangedError.js';
import { contentIdOfBytes, contentIdOfFileSync } from './contentId.js';
import { readFullySync } from './readFully.js';
import { asBuffer, display, fullHashSync, readExpectedSync } from './fileBytes.js';
import { openRegularFileSync } from './openRegularFile.js';

/** Files up to this size are read into memory at once: one read gives the full hash and the content id. */
const IN_MEMORY = 8 * 1024 * 1024;
let buffer = Buffer.allocUnsafe(1024 * 1024);

/**
 * The full BLAKE3 of a file of `size` bytes and, when `withContentId`, its content id (sampled), read once
 * when the file is small. Synchronous: on cached files it beats the thread pool's round trip.
 *
 * @throws the `fs` error when it cannot be read; `ContentChangedError` when its length is not `size`.
 */
export function hashFile(
  path: Uint8Array,
  size: number,
  withContentId: boolean,
): { fullHash: string; contentId: string | null } {
  if (size > IN_MEMORY) {
    const fullHash = fullHashSync(path, size);
    return { fullHash, contentId: withContentId ? contentIdOfFileSync(asBuffer(path), size) : null };
  }
  if (buffer.length < size + 1) buffer = Buffer.allocUnsafe(Math.max(size + 1, buffer.length * 2));
  const fd = openRegularFileSync(asBuffer(path));
  try {
    const n = readExpectedSync(fd, buffer, size);
    if (n !== size) throw new ContentChangedError(display(path), size, n < size ? 'shorter' : 'longer');
    const bytes = buffer.subarray(0, size);
    return { fullHash: blake3Hex(bytes), contentId: withContentId ? contentIdOfBytes(bytes) : null };
  } finally {
    fs.closeSync(fd);
  }
}

/** The first `length` bytes of a file (fewer if it is shorter). */
export function headOf(path: Uint8Array, length: number): Buffer {
  const fd = openRegularFileSync(asBuffer(path));
  try {
    const head = Buffer.allocUnsafe(length);
    return head.subarray(0, readFullySync(fd, head, 0, length, 0));
  } finally {
    fs.closeSync(fd);
  }
}
