import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { joinBytes } from '../indexer/paths.js';

const ERASE_BUFFER = 1024 * 1024;
/** Files removed at once in one directory. */
const PARALLEL = 32;

/** What {@link removeTree} reports and asks while it works. */
export interface RemoveHooks {
  /** Overwrite regular files before unlinking them (secure mode): passes of random data. */
  readonly erasePasses?: number;
  /** After each non-directory removed, with the bytes overwritten for it. */
  onFile(overwritten: number): void;
  onDir(): void;
  /** Called between directories, when nothing is in flight: may throw to pause. */
  between(): void;
}

/**
 * Remove a file, symlink or whole directory tree (symlinks removed, never followed). Idempotent: what is
 * already gone is skipped, so a resumed job calls it again on the same path. Within a directory, files are
 * unlinked several at a time; directories go one after another, deepest first.
 *
 * @returns false when the path did not exist.
 */
export async function removeTree(path: Buffer, hooks: RemoveHooks): Promise<boolean> {
  const st = fs.lstatSync(path, { throwIfNoEntry: false });
  if (!st) return false;
  if (!st.isDirectory()) {
    await removeFile(path, st.isFile(), hooks);
    return true;
  }
  await removeDir(path, hooks);
  return true;
}

async function removeDir(dir: Buffer, hooks: RemoveHooks): Promise<void> {
  hooks.between();
  let dirents: fs.Dirent<Buffer>[];
  try {
    dirents = await fsp.readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const files = dirents.filter((d) => !d.isDirectory());
  for (let i = 0; i < files.length; i += PARALLEL) {
    await Promise.all(
      files.slice(i, i + PARALLEL).map((d) => removeFile(joinBytes(dir, d.name), d.isFile(), hooks)),
    );
  }
  for (const d of dirents) if (d.isDirectory()) await removeDir(joinBytes(dir, d.name), hooks);
  try {
    await fsp.rmdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  hooks.onDir();
}

async function removeFile(path: Buffer, regular: boolean, hooks: RemoveHooks): Promise<void> {
  let overwritten = 0;
  if (regular && hooks.erasePasses) {
    try {
      overwritten = await eraseFile(path, hooks.erasePasses);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
  }
  try {
    await fsp.unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  hooks.onFile(overwritten);
}

/**
 * Overwrite a file's bytes in place with random data, `passes` times, fsync after each pass, so its old
 * contents are not in the file when it is unlinked. Returns the bytes written. (On copy-on-write or
 * journaling-data filesystems and SSDs old blocks may survive elsewhere: this clears the file, not the disk.)
 */
export async function eraseFile(path: Buffer, passes: number): Promise<number> {
  const fh = await fsp.open(path, 'r+');
  let written = 0;
  try {
    const { size } = await fh.stat();
    const buffer = Buffer.allocUnsafe(Math.min(ERASE_BUFFER, Math.max(size, 1)));
    for (let pass = 0; pass < passes; pass++) {
      for (let at = 0; at < size; ) {
        const n = Math.min(buffer.length, size - at);
        crypto.randomFillSync(buffer, 0, n);
        const { bytesWritten } = await fh.write(buffer, 0, n, at);
        at += bytesWritten;
        written += bytesWritten;
      }
      await fh.sync();
    }
  } finally {
    await fh.close();
  }
  return written;
}
