import type { PathLike } from 'node:fs';
import { createHasher } from './blake3.js';
import { closeFile, openForReading, readFully } from './readFully.js';

const CHUNK = 4 * 1024 * 1024;

/** Options of {@link fullHashOfFile}. */
export interface FullHashOptions {
  /** Stops the hashing between two chunks; the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Called after each chunk with the number of bytes hashed so far, for progress on large files. */
  readonly onProgress?: (bytesHashed: number) => void;
}

/**
 * The BLAKE3 digest of a whole file as 64 lowercase hex characters: the full hash that validation and
 * duplicate detection compare when a sampled content id is not enough.
 *
 * Streams the file from offset 0 in 4 MiB chunks, reading the next chunk while it hashes the current one
 * (two buffers), so reading and hashing overlap; chunks start on BLAKE3 chunk boundaries, so it hashes at
 * the full SIMD rate (about `b3sum --num-threads 1` on a cached file).
 *
 * @param file A path, or an open descriptor (read with positioned reads from 0, not closed).
 * @throws the `fs` error when the file cannot be opened or read; the signal's reason when aborted.
 *
 * @example
 * ```ts
 * const hash = await fullHashOfFile('/photos/a.jpg', { onProgress: (n) => bar.update(n) });
 * ```
 */
export async function fullHashOfFile(
  file: PathLike | number,
  options: FullHashOptions = {},
): Promise<string> {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  const fd = typeof file === 'number' ? file : await openForReading(file);
  const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  let pending: Promise<number> | undefined;
  try {
    const hasher = createHasher();
    let position = 0;
    let current = 0;
    pending = readFully(fd, buffers[current], 0, CHUNK, position);
    for (;;) {
      const bytesRead = await pending;
      pending = undefined;
      if (bytesRead === 0) break;
      position += bytesRead;
      const chunk = buffers[current];
      current ^= 1;
      // A short read is the end of the file: no need for another round trip to learn it.
      if (bytesRead === CHUNK) pending = readFully(fd, buffers[current], 0, CHUNK, position);
      hasher.update(bytesRead === CHUNK ? chunk : chunk.subarray(0, bytesRead));
      onProgress?.(position);
      if (pending === undefined) break;
      signal?.throwIfAborted();
    }
    return Buffer.from(hasher.digest()).toString('hex');
  } finally {
    // Never close the descriptor under a read still in flight: the number could be reused meanwhile.
    await pending?.catch(() => {});
    if (typeof file !== 'number') await closeFile(fd);
  }
}
