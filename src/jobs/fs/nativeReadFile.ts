import fs from 'node:fs';
import { lazyNative } from './loadNative.js';
import { usesBinding } from './rawFs.js';

/**
 * The native reader of small files (`native/readfile.c`, built by `scripts/buildNative.mjs` into
 * `dist/native/`): one call opens a file as `openRegularFileSync` does (`O_NOFOLLOW | O_NONBLOCK`, a regular
 * file only, checked with `fstat`), reads one or two ranges of it, looping over short reads, and closes it —
 * where `fs` makes four or five calls, each through its JavaScript wrapper. Duplicate detection reads most
 * of its files this way (their first and last 4 KiB, or the whole of a small file).
 *
 * It is used only where `rawFs`'s binding would be (Node's own `fs`, no permission model, Linux), where
 * `fs.openSync`, `fstatSync`, `readSync` and `closeSync` are Node's own (not patched), where the module was
 * built for this platform and architecture, where its read of the module's own file equals `fs`'s byte for
 * byte, and unless `PHASEKIT_NATIVE=0` or `nativeReadFileDefaults.enabled` is false. A file it did not read
 * (any error, or not a regular file) is left to the caller, who reads it through `fs` again, so every error
 * is exactly the one `fs` throws.
 */

/**
 * @internal For tests (and `PHASEKIT_NATIVE=0`): `enabled: false` makes every read go through `fs`;
 * `reads` counts the files read natively.
 */
export const nativeReadFileDefaults: { enabled: boolean; reads: number } = {
  enabled: process.env.PHASEKIT_NATIVE !== '0',
  reads: 0,
};

interface Addon {
  readonly version: number;
  read(
    path: Buffer,
    buffer: Uint8Array,
    length1: number,
    position1: number,
    length2: number,
    position2: number,
  ): number;
}

// The `fs` functions the native read stands in for: where one of them is patched (a test's injected fault,
// a mock), reads go through `fs`, so the patch sees them.
const ORIGINAL = [fs.openSync, fs.fstatSync, fs.readSync, fs.closeSync];
const unpatched = () =>
  fs.openSync === ORIGINAL[0] &&
  fs.fstatSync === ORIGINAL[1] &&
  fs.readSync === ORIGINAL[2] &&
  fs.closeSync === ORIGINAL[3];

// Loaded at the first read, not when the module is imported (a shallow index never reads a file).
const loaded = lazyNative<Addon>(
  'readfile',
  (candidate, file) =>
    candidate.version === 1 && typeof candidate.read === 'function' && agreesWithFs(candidate, file),
);

/** Its read of the module's own file (the first 4 KiB and the last 100 bytes) equals `fs.readFileSync`'s. */
function agreesWithFs(candidate: Addon, file: string): boolean {
  const want = fs.readFileSync(file);
  if (want.length < 4096 + 100) return false;
  const got = Buffer.alloc(4096 + 100);
  const n = candidate.read(Buffer.from(file), got, 4096, 0, 100, want.length - 100);
  return (
    n === got.length &&
    got.subarray(0, 4096).equals(want.subarray(0, 4096)) &&
    got.subarray(4096).equals(want.subarray(want.length - 100))
  );
}

/** @internal Whether file reads go to the native module now (tests check the fast path is taken). */
export function usesNativeReadFile(path: Buffer = Buffer.from('/')): boolean {
  return nativeReadFileDefaults.enabled && unpatched() && usesBinding(path) && loaded() !== null;
}

/**
 * Read the regular file at `path` natively: `length1` bytes at `position1` into `buffer[0..]`, then `length2`
 * bytes at `position2` into `buffer[length1..]` (none when `length2` is 0). Returns the bytes read in all
 * (fewer than asked only at the end of the file); null where the native module is not used, or when the file
 * was not read (it could not be opened or read, or it is no longer a regular file): read it through `fs`,
 * which throws the exact error.
 */
export function nativeReadFile(
  path: Buffer,
  buffer: Uint8Array,
  length1: number,
  position1: number,
  length2 = 0,
  position2 = 0,
): number | null {
  if (!usesNativeReadFile(path)) return null;
  const n = loaded()!.read(path, buffer, length1, position1, length2, position2);
  if (n < 0) return null;
  nativeReadFileDefaults.reads++;
  return n;
}
