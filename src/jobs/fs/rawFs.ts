import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `lstat` and `readdir` for the walk without the objects `fs` wraps their results in: `fs.lstatSync` builds a
 * `Stats` with four `Date`s and `fs.readdirSync({ withFileTypes })` a `Dirent` per entry, about half of the
 * walk's own (user) CPU on a large tree. Both `fs` functions are thin wrappers over Node's `fs` binding, which
 * returns the numbers in a typed array and the names in an array; this module calls it directly.
 *
 * It does so only where that is exactly what `fs` would do, and otherwise goes through `fs`:
 * - the binding has the expected shape, and on first use its numbers for a real file and directory equal
 *   `fs.lstatSync`'s and its names `fs.readdirSync`'s (another Node version with another layout fails
 *   that check);
 * - Node's permission model is off (`fs` checks it, the binding does not);
 * - `fs.lstatSync` and `fs.readdirSync` are Node's own (not patched by graceful-fs, a mock, or a test's hook);
 * - `rawFsDefaults.enabled` (tests turn it off to compare).
 * Errors are the ones `fs` throws (the same binding call raises them).
 */

/** Numbers per entry written by {@link lstatInto}: size, mtimeMs, ctimeMs, ino, dev, mode. */
export const RAW_STAT_FIELDS = 6;

/** @internal For tests: `enabled: false` makes every call go through `fs`. */
export const rawFsDefaults: { enabled: boolean } = { enabled: true };

/** The two calls of Node's internal `fs` binding used here (Node 20–22 layout). */
interface FsBinding {
  lstat(path: Buffer, bigint: false, req: undefined, throwIfNoEntry: true): Float64Array;
  readdir(path: Buffer, encoding: 'buffer', withFileTypes: false): Buffer[];
}

const ORIGINAL_LSTAT = fs.lstatSync;
const ORIGINAL_READDIR = fs.readdirSync;

// Offsets in the binding's stat array: dev, mode, nlink, uid, gid, rdev, blksize, ino, size, blocks,
// atime s/ns, mtime s/ns, ctime s/ns, birthtime s/ns.
const DEV = 0;
const MODE = 1;
const INO = 7;
const SIZE = 8;
const MTIME_S = 12;
const MTIME_NS = 13;
const CTIME_S = 14;
const CTIME_NS = 15;

let binding: FsBinding | null | undefined;

/** The binding, checked once against `fs`; null when it cannot be used. */
function checkedBinding(): FsBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  try {
    const getBinding = (process as unknown as { binding?: (name: string) => unknown }).binding;
    if (typeof getBinding !== 'function') return null;
    // `process.binding` warns under --pending-deprecation: stay on `fs` there.
    const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
    if (flags.includes('--pending-deprecation')) return null;
    const b = getBinding.call(process, 'fs') as Partial<FsBinding> | undefined;
    if (typeof b?.lstat !== 'function' || typeof b.readdir !== 'function') return null;
    const candidate = b as FsBinding;
    const file = Buffer.from(fileURLToPath(import.meta.url));
    const dir = Buffer.from(path.dirname(file.toString()));
    for (const probe of [file, dir]) {
      const raw = new Float64Array(RAW_STAT_FIELDS);
      const mode = fromBinding(candidate.lstat(probe, false, undefined, true), raw, 0);
      const st = ORIGINAL_LSTAT(probe);
      const want = [st.size, st.mtimeMs, st.ctimeMs, st.ino, st.dev, st.mode];
      if (mode !== st.mode || want.some((x, i) => !Object.is(x, raw[i]))) return null;
    }
    const names = candidate.readdir(dir, 'buffer', false);
    const want = ORIGINAL_READDIR(dir, { encoding: 'buffer' });
    if (
      !Array.isArray(names) ||
      names.length !== want.length ||
      names.some((n, i) => !Buffer.isBuffer(n) || !n.equals(want[i]))
    ) {
      return null;
    }
    binding = candidate;
  } catch {
    binding = null;
  }
  return binding;
}

/** Whether the calls below may go to the binding now (see the module's comment). */
function usable(path: Buffer): FsBinding | null {
  // A NUL byte: `fs` refuses the path, the binding would cut it there.
  if (
    !rawFsDefaults.enabled ||
    path.includes(0) ||
    fs.lstatSync !== ORIGINAL_LSTAT ||
    fs.readdirSync !== ORIGINAL_READDIR
  ) {
    return null;
  }
  if ((process as unknown as { permission?: unknown }).permission !== undefined) return null;
  // Elsewhere `fs` rewrites the path first (Windows namespaced paths).
  if (process.platform === 'win32') return null;
  return checkedBinding();
}

/** @internal Whether calls on `path` go to the binding now (tests check the fast path is taken). */
export function usesBinding(path: Buffer = Buffer.from('/')): boolean {
  return usable(path) !== null;
}

/** The numbers `fs.Stats` computes its fields from, in {@link RAW_STAT_FIELDS} order; returns the mode. */
function fromBinding(s: Float64Array, out: Float64Array, at: number): number {
  out[at] = s[SIZE];
  // As `fs.Stats` computes mtimeMs and ctimeMs: seconds * 1e3 + nanoseconds / 1e6.
  out[at + 1] = s[MTIME_S] * 1e3 + s[MTIME_NS] / 1e6;
  out[at + 2] = s[CTIME_S] * 1e3 + s[CTIME_NS] / 1e6;
  out[at + 3] = s[INO];
  out[at + 4] = s[DEV];
  out[at + 5] = s[MODE];
  return s[MODE];
}

/**
 * `lstat` of `path` (not following a final symlink): size, mtimeMs, ctimeMs, ino, dev and mode written into
 * `out` from `at`, exactly the values of `fs.lstatSync(path)`'s fields; returns the mode. Throws what
 * `fs.lstatSync` throws.
 */
export function lstatInto(path: Buffer, out: Float64Array, at: number): number {
  const b = usable(path);
  if (b !== null) return fromBinding(b.lstat(path, false, undefined, true), out, at);
  const st = fs.lstatSync(path);
  out[at] = st.size;
  out[at + 1] = st.mtimeMs;
  out[at + 2] = st.ctimeMs;
  out[at + 3] = st.ino;
  out[at + 4] = st.dev;
  out[at + 5] = st.mode;
  return st.mode;
}

/** `fs.readdirSync(path, { encoding: 'buffer' })`: the names, in the directory's order. */
export function readdirNames(path: Buffer): Buffer[] {
  const b = usable(path);
  if (b !== null) return b.readdir(path, 'buffer', false);
  return fs.readdirSync(path, { encoding: 'buffer' });
}

/** File type bits of a mode (`S_IFMT`) and the three types the walk records. */
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
