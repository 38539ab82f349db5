/**
 * The file-level steps of the copy job: each writes under a temporary name, and the caller renames the result
 * into place once it is complete and on disk, so no partial file ever shows under its final name.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { fullHashOfFile } from '../content/fullHashOfFile.js';
import { readFully } from '../content/readFully.js';

const BUFFER = 8 * 1024 * 1024;

/** Mode and times to give a finished copy. */
export interface Finish {
  readonly mode: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
  readonly preserveTimestamps: boolean;
}

/** Remove a leftover temporary file, if any; returns its size (bytes a kill made us write twice), else 0. */
export function clearTemp(tmp: Buffer): number {
  const st = fs.lstatSync(tmp, { throwIfNoEntry: false });
  if (!st) return 0;
  fs.rmSync(tmp, { force: true, recursive: st.isDirectory() });
  return st.isFile() ? st.size : 0;
}

/**
 * Copy a whole file to `tmp` with the kernel's fast path (`copy_file_range`, a reflink where the filesystem
 * can), then set its mode and times and fsync it.
 */
export async function copySmallFile(src: Buffer, tmp: Buffer, finish: Finish): Promise<void> {
  await fsp.copyFile(src, tmp, fs.constants.COPYFILE_FICLONE);
  await finishFile(tmp, finish);
}

/**
 * Copy a large file to `tmp` in chunks from `offset` (bytes already in `tmp` and on disk): after each chunk
 * the data is fdatasync'ed and `onChunk(newOffset)` runs (it checkpoints the offset and may throw to pause).
 * Reads the next buffer while the current one is written.
 */
export async function copyInChunks(
  src: Buffer,
  tmp: Buffer,
  offset: number,
  chunkSize: number,
  finish: Finish,
  onChunk: (offset: number) => Promise<void>,
  onBytes: (bytes: number) => void,
): Promise<void> {
  const input = await fsp.open(src, 'r');
  const output = await fsp.open(tmp, offset > 0 ? 'r+' : 'w', 0o600);
  const buffers = [
    Buffer.allocUnsafe(Math.min(BUFFER, chunkSize)),
    Buffer.allocUnsafe(Math.min(BUFFER, chunkSize)),
  ];
  let pending: Promise<number> | undefined;
  try {
    // Bytes past the checkpointed offset were written by a killed run: drop them and write them again.
    if (offset > 0) await output.truncate(offset);
    let position = offset;
    let current = 0;
    let chunkEnd = position + chunkSize;
    pending = readFully(input.fd, buffers[current], 0, buffers[current].length, position);
    for (;;) {
      const n = await pending;
      pending = undefined;
      if (n === 0) break;
      const chunk = buffers[current];
      current ^= 1;
      if (n === chunk.length)
        pending = readFully(input.fd, buffers[current], 0, buffers[current].length, position + n);
      await writeAll(output, chunk, n, position);
      position += n;
      onBytes(n);
      if (position >= chunkEnd || pending === undefined) {
        await pending?.catch(() => {});
        await output.datasync();
        await onChunk(position);
        chunkEnd = position + chunkSize;
      }
      if (pending === undefined) break;
    }
  } finally {
    await pending?.catch(() => {});
    await input.close();
    await output.close();
  }
  await finishFile(tmp, finish);
}

async function writeAll(fh: fsp.FileHandle, buffer: Buffer, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await fh.write(buffer, done, length - done, position + done);
    done += bytesWritten;
  }
}

/** Mode, times, fsync of a finished temporary file. */
async function finishFile(tmp: Buffer, finish: Finish): Promise<void> {
  const fh = await fsp.open(tmp, 'r+');
  try {
    await fh.chmod(finish.mode);
    if (finish.preserveTimestamps) await fh.utimes(finish.atimeMs / 1000, finish.mtimeMs / 1000);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** A symlink with the same target bytes, at `tmp`. Never followed. */
export function copySymlink(src: Buffer, tmp: Buffer, finish: Finish): void {
  const target = fs.readlinkSync(src, { encoding: 'buffer' });
  clearTemp(tmp);
  fs.symlinkSync(target, tmp);
  if (finish.preserveTimestamps) fs.lutimesSync(tmp, finish.atimeMs / 1000, finish.mtimeMs / 1000);
}

/** True when the BLAKE3 of both files is the same. */
export async function sameContent(a: Buffer, b: Buffer): Promise<boolean> {
  const [x, y] = await Promise.all([fullHashOfFile(a), fullHashOfFile(b)]);
  return x === y;
}

/** fsync a directory, so the renames into it survive a crash of the machine. */
export function syncDirectory(dir: Buffer): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the data itself is already on disk.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
