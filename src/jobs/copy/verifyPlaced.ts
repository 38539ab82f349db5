import fs from 'node:fs';
import { createHasher } from '../content/blake3.js';
import { openRegularFileSync } from '../content/openRegularFile.js';
import { type Identity, sameIdentity } from './placeFile.js';

const BUFFER = 1024 * 1024;

/**
 * True when the file at `dst` is `expected` (device and inode: the file this job wrote, not one that took its
 * name) and has the BLAKE3 of `src`. `dst` is opened without following a symlink and identified through the
 * open descriptor, so the bytes hashed are those of the file identified. Used before a move removes a source
 * whose copy a killed run put in place.
 */
export function placedCopyMatches(src: Buffer, dst: Buffer, expected: Identity, symlink: boolean): boolean {
  if (symlink) {
    const st = fs.lstatSync(dst, { throwIfNoEntry: false });
    if (!st?.isSymbolicLink() || !sameIdentity({ dev: st.dev, ino: st.ino }, expected)) return false;
    return fs.readlinkSync(src, { encoding: 'buffer' }).equals(fs.readlinkSync(dst, { encoding: 'buffer' }));
  }
  let fd: number;
  try {
    fd = fs.openSync(dst, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!sameIdentity({ dev: st.dev, ino: st.ino }, expected)) return false;
    return hashFd(fd) === hashPath(src);
  } finally {
    fs.closeSync(fd);
  }
}

function hashPath(path: Buffer): string {
  // The source as the regular file it was planned as: a symlink or FIFO swapped in is refused, not read.
  const fd = openRegularFileSync(path);
  try {
    return hashFd(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function hashFd(fd: number): string {
  const hasher = createHasher();
  const buffer = Buffer.allocUnsafe(BUFFER);
  for (let position = 0; ; ) {
    const n = fs.readSync(fd, buffer, 0, buffer.length, position);
    if (n === 0) break;
    hasher.update(n === buffer.length ? buffer : buffer.subarray(0, n));
    position += n;
  }
  return Buffer.from(hasher.digest()).toString('hex');
}
