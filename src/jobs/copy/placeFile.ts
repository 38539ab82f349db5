/**
 * Putting a finished temporary file at its final name without ever replacing what another program put there.
 *
 * `link(tmp, dst)` is the no-clobber rename: the kernel refuses it with `EEXIST` when anything exists at `dst`
 * (even a dangling symlink), atomically, so there is no window in which a file that appears at `dst` is
 * replaced. Afterwards `tmp` is a second name of the copy — its *witness*: a resumed job that finds `tmp` and
 * `dst` with one device and inode knows that `dst` is its own copy, not a file that appeared. The witness is
 * removed once the checkpoint that records the item done is written.
 *
 * Where the filesystem has no hard links (FAT, exFAT, some network mounts) the fallback is check-then-rename:
 * `lstat(dst)` must find nothing, then `rename(tmp, dst)`. A file created at `dst` between those two calls
 * would be replaced (Node has no `renameat2(RENAME_NOREPLACE)`); the identity check after it (the inode at
 * `dst` is the one written) still holds, so a move never removes a source whose copy is not at `dst`.
 */
import fs from 'node:fs';
import { basenameBytes, dirnameBytes } from '../fs/bytePaths.js';

/** Device and inode of a file: what says "this is the file I wrote", whatever its name. */
export interface Identity {
  readonly dev: number;
  readonly ino: number;
}

/** Errors of `link` that mean "this filesystem has no hard links here". */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK', 'EXDEV']);

/** The identity of what is at `path` (not followed), or `undefined` when nothing is there. */
export function identityAt(path: Buffer): Identity | undefined {
  const st = fs.lstatSync(path, { throwIfNoEntry: false });
  return st ? { dev: st.dev, ino: st.ino } : undefined;
}

/** True when both identities name one file. */
export function sameIdentity(a: Identity | undefined, b: Identity | undefined): boolean {
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

/**
 * Give `tmp` the name `dst` unless something is there. Returns `'placed'` (tmp stays as the witness when the
 * filesystem has hard links), or `'exists'` (nothing changed). Other errors are thrown.
 */
export function placeNoClobber(tmp: Buffer, dst: Buffer): 'placed' | 'exists' {
  try {
    fs.linkSync(tmp, dst);
    return 'placed';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return 'exists';
    if (!NO_LINKS.has(code)) throw error;
  }
  if (fs.lstatSync(dst, { throwIfNoEntry: false })) return 'exists';
  fs.renameSync(tmp, dst);
  return 'placed';
}

/**
 * Replace whatever is at `dst` with `tmp` (the `overwrite` policy), keeping `tmp` as the witness: a second
 * link of it takes the final name with one atomic `rename`.
 */
export function placeOverwrite(tmp: Buffer, dst: Buffer): void {
  const swap = swapPathFor(tmp);
  fs.rmSync(swap, { force: true });
  try {
    fs.linkSync(tmp, swap);
  } catch (error) {
    if (!NO_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    fs.renameSync(tmp, dst);
    return;
  }
  fs.renameSync(swap, dst);
}

/** The second temporary name {@link placeOverwrite} uses next to `tmp`. */
export function swapPathFor(tmp: Buffer): Buffer {
  const name = basenameBytes(tmp)
    .toString('latin1')
    .replace(/\.part$/, 'o.part');
  return Buffer.concat([dirnameBytes(tmp), Buffer.from('/'), Buffer.from(name, 'latin1')]);
}

/** Remove a name if it is there (a witness, a swap link, a leftover temporary file). */
export function removeName(path: Buffer): void {
  try {
    fs.unlinkSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'EISDIR' || code === 'EPERM') fs.rmSync(path, { recursive: true, force: true });
    else throw error;
  }
}
