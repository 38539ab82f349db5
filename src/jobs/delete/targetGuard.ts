import fs from 'node:fs';
import os from 'node:os';
import { dirnameBytes, isInside, resolveBytes } from '../fs/bytePaths.js';
import { type FileIdentity, fileIdentity } from '../fs/fileIdentity.js';
import { displayPath } from '../fs/paths.js';

/** Top-level system directories a delete refuses (besides `/`) unless told `preserveRoot: false`. */
export const SYSTEM_DIRS = [
  '/usr',
  '/etc',
  '/var',
  '/bin',
  '/sbin',
  '/boot',
  '/opt',
  '/srv',
  '/root',
  '/home',
  '/dev',
  '/proc',
  '/sys',
  '/run',
];

/** What the guard is told about the process it protects. */
export interface TargetGuardOptions {
  /** The library database file (its `-wal`, `-shm`, `-journal` and folder are protected with it). */
  readonly libraryFile?: string;
  /** Refuse `/`, ancestors of the home and working directories, and top-level system directories. */
  readonly preserveRoot: boolean;
  /** Home directories to protect; default `os.homedir()` and `$HOME`. */
  readonly homes?: readonly string[];
  /** Default `process.cwd()`. */
  readonly cwd?: string;
}

/**
 * What a delete must never remove, compared by real path and by device+inode (so a symlinked
 * `PHASEKIT_HOME`, a bind mount or a hard link does not get around it): the library's files and every folder
 * that holds them, always; and unless `preserveRoot` is false, `/`, the home directory, the working directory
 * and every folder above them, and the top-level system directories.
 */
export class TargetGuard {
  /** Identity → path of the library's own files (database, `-wal`, `-shm`, `-journal`). */
  readonly libraryFiles = new Map<FileIdentity, string>();
  /** Identity of the library's folder. */
  readonly libraryDir: FileIdentity | undefined;
  readonly #libraryPaths: Buffer[] = [];
  readonly #libraryChain = new Set<FileIdentity>();
  readonly #holds: { chain: Set<FileIdentity>; real: Buffer; what: string }[] = [];
  readonly #system = new Map<FileIdentity, string>();
  readonly #preserveRoot: boolean;

  constructor(options: TargetGuardOptions) {
    this.#preserveRoot = options.preserveRoot;
    const lib = options.libraryFile;
    if (lib && lib !== ':memory:') {
      const file = locate(resolveBytes(lib));
      for (const suffix of ['', '-wal', '-shm', '-journal']) {
        const p = Buffer.concat([file, Buffer.from(suffix)]);
        this.#libraryPaths.push(p);
        const st = fs.lstatSync(p, { bigint: true, throwIfNoEntry: false });
        if (st) this.libraryFiles.set(fileIdentity(st), displayPath(p));
      }
      const dir = dirnameBytes(file);
      this.libraryDir = identityOf(dir);
      for (const id of chainOf(dir)) this.#libraryChain.add(id);
    }
    if (options.preserveRoot) {
      const homes = options.homes ?? [os.homedir(), ...(process.env.HOME ? [process.env.HOME] : [])];
      for (const home of homes) this.#protectChain(home, 'your home directory');
      this.#protectChain(options.cwd ?? process.cwd(), 'the current directory');
      const libDirs = fs.readdirSync('/').filter((n) => /^lib/.test(n));
      for (const dir of [...SYSTEM_DIRS, ...libDirs.map((n) => `/${n}`)]) {
        for (const st of [fs.lstatSync(dir, { bigint: true, throwIfNoEntry: false }), statOf(dir)])
          if (st) this.#system.set(fileIdentity(st), dir);
      }
    }
  }

  /**
   * Why `path` must not be deleted, as a message that says what to do, or undefined when it may be. `path`
   * is absolute; its last component is not followed (a symlink is removed, not what it points to).
   */
  refusal(path: Buffer): string | undefined {
    const shown = displayPath(path);
    const located = locate(path);
    const st = fs.lstatSync(located, { bigint: true, throwIfNoEntry: false });
    const id = st && fileIdentity(st);
    const override =
      ' Name what is inside it instead, or pass --no-preserve-root (preserveRoot: false) if you really mean it.';
    if (this.#preserveRoot && located.equals(Buffer.from('/')))
      return `Refusing to delete ${shown}: it is the root directory.${override}`;
    const own = id && this.libraryFiles.get(id);
    if (own || this.#libraryPaths.some((p) => p.equals(located)))
      return `Refusing to delete ${shown}: it is the library's own file ${own ?? displayPath(located)}. Use another --library, or move it out first.`;
    if ((id && this.#libraryChain.has(id)) || this.#libraryPaths.some((p) => isInside(p, located)))
      return `Refusing to delete ${shown}: it holds the library's own file ${this.#libraryPaths[0] ? displayPath(this.#libraryPaths[0]) : ''}. Use another --library, or move it out first.`;
    if (!this.#preserveRoot) return undefined;
    for (const h of this.#holds) {
      if ((id && h.chain.has(id)) || isInside(h.real, located))
        return `Refusing to delete ${shown}: it ${h.real.equals(located) ? 'is' : 'holds'} ${h.what} (${displayPath(h.real)}).${override}`;
    }
    const system = (id && this.#system.get(id)) || SYSTEM_DIRS.find((d) => located.equals(Buffer.from(d)));
    if (system) return `Refusing to delete ${shown}: it is the system directory ${system}.${override}`;
    return undefined;
  }

  #protectChain(dir: string, what: string): void {
    const real = realOf(resolveBytes(dir));
    this.#holds.push({ chain: new Set(chainOf(real)), real, what });
  }
}

/** The path with its folder's symlinks resolved and its last component kept as is. */
export function locate(path: Buffer): Buffer {
  if (path.equals(Buffer.from('/'))) return path;
  const parent = realOf(dirnameBytes(path));
  const name = path.subarray(path.lastIndexOf(0x2f) + 1);
  return Buffer.concat([parent, Buffer.from(parent.length === 1 ? '' : '/'), name]);
}

function realOf(path: Buffer): Buffer {
  try {
    return fs.realpathSync(path, { encoding: 'buffer' });
  } catch {
    return path;
  }
}

function statOf(path: string): fs.BigIntStats | undefined {
  return fs.statSync(path, { bigint: true, throwIfNoEntry: false });
}

function identityOf(path: Buffer): FileIdentity | undefined {
  const st = fs.statSync(path, { bigint: true, throwIfNoEntry: false });
  return st && fileIdentity(st);
}

/** Identities of a directory and of every directory above it, up to `/`. */
function chainOf(dir: Buffer): FileIdentity[] {
  const ids: FileIdentity[] = [];
  let p = dir;
  for (;;) {
    const id = identityOf(p);
    if (id) ids.push(id);
    const up = dirnameBytes(p);
    if (up.equals(p)) return ids;
    p = up;
  }
}
