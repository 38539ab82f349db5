import fs from 'node:fs';
import { type FileIdentity, fileIdentity } from './fileIdentity.js';

const OPEN_DIR = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY;
const NOFOLLOW = fs.constants.O_NOFOLLOW;
/** Linux names an open descriptor's directory as `/proc/self/fd/<fd>`: the kernel resolves it like `openat`. */
const PROC_FD = fs.existsSync('/proc/self/fd') ? '/proc/self/fd/' : null;

/**
 * The directory was not the one planned: it is now a symlink or another file, or its device and inode changed
 * (it was swapped for another directory). Nothing in it was touched.
 */
export class DirectoryChangedError extends Error {
  override readonly name = 'DirectoryChangedError';
  readonly code = 'ECHANGED';
  constructor(
    /** The path as shown to the user. */
    readonly path: string,
    /** What it was found to be. */
    readonly found: string,
  ) {
    super(
      `Left ${path} alone: it was replaced (${found}) after it was planned, so nothing in it was touched. ` +
        'Check what it is now, and run the job again on it if you mean to.',
    );
  }
}

/**
 * An open directory, addressed through its descriptor: children are named `/proc/self/fd/<fd>/<name>`, which
 * Linux resolves through the open directory as `openat` does. A directory swapped for a symlink or another
 * directory after it was opened cannot redirect what is done through the handle, and paths stay short however
 * deep the tree (no `ENAMETOOLONG` past `PATH_MAX`). Where `/proc/self/fd` does not exist the handle falls
 * back to the directory's path (same checks, without the protection against a later swap).
 *
 * @example
 * const dir = DirHandle.open(Buffer.from('/data/tree'));
 * try { fs.unlinkSync(dir.child(Buffer.from('old.txt'))); } finally { dir.close(); }
 */
export class DirHandle {
  readonly #prefix: Buffer;
  private constructor(
    readonly fd: number,
    /** Device and inode of the open directory. */
    readonly identity: FileIdentity,
    fallbackPath: Buffer,
  ) {
    this.#prefix = PROC_FD
      ? Buffer.from(`${PROC_FD}${fd}/`)
      : Buffer.concat([fallbackPath, Buffer.from(fallbackPath.at(-1) === 0x2f ? '' : '/')]);
  }

  /**
   * Open a directory. `expected` (from an `lstat` made when the work was planned) must match the opened
   * directory's device and inode, else {@link DirectoryChangedError}. With `noFollow` (the default) a symlink
   * in the last component is refused rather than followed (`O_NOFOLLOW`). `shown` names it in errors.
   * Other failures (`ENOENT`, `EACCES`) are thrown as they are.
   */
  static open(
    path: Buffer,
    options: { expected?: FileIdentity; noFollow?: boolean; shown?: string } = {},
  ): DirHandle {
    const shown = options.shown ?? path.toString();
    let fd: number;
    try {
      fd = fs.openSync(path, OPEN_DIR | (options.noFollow === false ? 0 : NOFOLLOW));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || code === 'ENOTDIR')
        throw new DirectoryChangedError(shown, 'not a directory now');
      throw error;
    }
    const identity = fileIdentity(fs.fstatSync(fd, { bigint: true }));
    if (options.expected !== undefined && identity !== options.expected) {
      fs.closeSync(fd);
      throw new DirectoryChangedError(shown, 'another directory is there now');
    }
    return new DirHandle(fd, identity, path);
  }

  /** Open a child directory through this one (no symlink followed), checked against `expected`. */
  openChild(name: Uint8Array, expected: FileIdentity | undefined, shown: string): DirHandle {
    return DirHandle.open(this.child(name), { expected, shown });
  }

  /** A path naming `name` inside this directory, resolved through the descriptor. */
  child(name: Uint8Array): Buffer {
    return Buffer.concat([this.#prefix, name]);
  }

  /** The path of the directory itself through its descriptor (for `readdir`). */
  get path(): Buffer {
    return this.#prefix.subarray(0, this.#prefix.length - 1);
  }

  /** `lstat` of a child, or undefined when it does not exist. */
  lstatChild(name: Uint8Array): fs.BigIntStats | undefined {
    return fs.lstatSync(this.child(name), { bigint: true, throwIfNoEntry: false });
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
