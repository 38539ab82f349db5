/**
 * Positioned reads on a raw file descriptor, on Node's callback API: for the many small reads content ids
 * make, it costs less per call than `fs/promises` file handles, and positioned reads leave the descriptor's
 * offset alone, so several can be in flight at once on one descriptor.
 */
import * as fs from 'node:fs';
import { openRegularFile } from './openRegularFile.js';

/** Open `file` read-only, if it is still a regular file (see `openRegularFile`), and resolve its descriptor. */
export function openForReading(file: fs.PathLike): Promise<number> {
  return openRegularFile(file);
}

/** Close a descriptor opened by {@link openForReading}. */
export function closeFile(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.close(fd, (error) => (error ? reject(error) : resolve()));
  });
}

function readOnce(fd: number, buffer: Uint8Array, offset: number, length: number, position: number) {
  return new Promise<number>((resolve, reject) => {
    fs.read(fd, buffer, offset, length, position, (error, bytesRead) =>
      error ? reject(error) : resolve(bytesRead),
    );
  });
}

/**
 * Read `length` bytes at `position` into `buffer[offset..]`, looping over short reads; stops early only at
 * the end of the file. Resolves the number of bytes read (less than `length` only at end of file).
 */
export async function readFully(
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await readOnce(fd, buffer, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** The synchronous twin of {@link readFully}. */
export function readFullySync(
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buffer, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
