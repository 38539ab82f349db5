import fs from 'node:fs';
import path from 'node:path';
import { lazyNative } from './loadNative.js';
import { RAW_STAT_FIELDS, usesBinding } from './rawFs.js';

/**
 * The walk's native directory reader (`native/listdir.c`, built by `scripts/buildNative.mjs` into
 * `dist/native/`): one call opens a directory, checks it is the one its parent listed (`fstat` of the open
 * directory), reads its names in `fs.readdirSync`'s order and `lstat`s each relative to the open directory
 * (`fstatat`). On the bench tree a walk takes about half the time of `readdir` + `lstat` per path through
 * `fs`'s binding, most of it the kernel resolving each full path again.
 *
 * It is used only where {@link rawFsDefaults | rawFs}' binding would be (Node's own `fs`, no permission
 * model, Linux), where the module was built for this platform and architecture, where its first listing (of
 * the directory it was loaded from) equals `fs`'s to the last bit, and unless `PHASEKIT_NATIVE=0` or
 * `nativeListDirDefaults.enabled` is false. Anything it cannot read goes to `fs` again, so errors are
 * exactly the ones `fs` throws.
 */

/** What {@link nativeList} returns for a directory read: names end to end, and the numbers per entry. */
export interface NativeListing {
  readonly names: Uint8Array;
  /** Entry `i`'s name ends at `ends[i]` in `names`. */
  readonly ends: Uint32Array;
  /** {@link RAW_STAT_FIELDS} numbers per entry: size, mtimeMs, ctimeMs, ino, dev, mode (zeros where errno). */
  readonly stats: Float64Array;
  /** Per entry, 0 or the (negative) errno of its `lstat`: ask `fs` for the error. */
  readonly errnos: Int32Array;
}

/** The directory at the path is not the one expected (another inode, or no longer a directory). */
export const NOT_EXPECTED = 'not-expected';

/**
 * @internal For tests (and `PHASEKIT_NATIVE=0`): `enabled: false` makes the walk read through `fs`;
 * `beforeOpen` runs just before a directory is opened natively and `afterList` just after it was read (the
 * moments a test swaps a directory at); `listings` counts the directories read natively.
 */
export const nativeListDirDefaults: {
  enabled: boolean;
  beforeOpen?: ((path: Buffer) => void) | undefined;
  afterList?: ((path: Buffer, listing: NativeListing) => void) | undefined;
  listings: number;
} = { enabled: process.env.PHASEKIT_NATIVE !== '0', listings: 0 };

interface Addon {
  readonly version: number;
  list(
    path: Buffer,
    noFollow: boolean,
    ino?: number,
    dev?: number,
  ): number | Record<'names' | 'ends' | 'stats' | 'errnos', ArrayBuffer>;
}

// Loaded at the first directory read, once (null, not there or refused, is kept too).
const loaded = lazyNative<Addon>(
  'listdir',
  (candidate, file) =>
    candidate.version === 2 && typeof candidate.list === 'function' && agreesWithFs(candidate, file),
);

/**
 * Its listing of the directory it was loaded from (`dist/native/`: a few entries) equals `fs.readdirSync` +
 * `fs.lstatSync`, number for number.
 */
function agreesWithFs(candidate: Addon, file: string): boolean {
  const dir = Buffer.from(path.dirname(file));
  const st = fs.lstatSync(dir);
  const listing = unpack(candidate.list(dir, true, st.ino, st.dev));
  if (typeof listing === 'number' || listing === NOT_EXPECTED) return false;
  const names = fs.readdirSync(dir, { encoding: 'buffer' });
  if (names.length !== listing.ends.length || names.length === 0) return false;
  let start = 0;
  for (let i = 0; i < names.length; i++) {
    const name = listing.names.subarray(start, listing.ends[i]);
    start = listing.ends[i];
    if (!names[i].equals(name) || listing.errnos[i] !== 0) return false;
    const e = fs.lstatSync(Buffer.concat([dir, Buffer.from('/'), names[i]]));
    const want = [e.size, e.mtimeMs, e.ctimeMs, e.ino, e.dev, e.mode];
    const got = listing.stats.subarray(i * RAW_STAT_FIELDS, (i + 1) * RAW_STAT_FIELDS);
    if (want.some((x, k) => !Object.is(x, got[k]))) return false;
  }
  return true;
}

function unpack(raw: ReturnType<Addon['list']>): NativeListing | number | typeof NOT_EXPECTED {
  if (typeof raw === 'number') return raw === 1 ? NOT_EXPECTED : raw;
  return {
    names: new Uint8Array(raw.names),
    ends: new Uint32Array(raw.ends),
    stats: new Float64Array(raw.stats),
    errnos: new Int32Array(raw.errnos),
  };
}

/** @internal Whether directory reads go to the native module now (tests check the fast path is taken). */
export function usesNativeListDir(path: Buffer = Buffer.from('/')): boolean {
  return nativeListDirDefaults.enabled && usesBinding(path) && loaded() !== null;
}

/**
 * Read the directory at `path` natively. With `expected`, the directory opened must be that inode and device
 * and not a symlink (else {@link NOT_EXPECTED}); with `noFollow` alone, not a symlink; without either, a
 * final symlink is followed, as `readdir` does. Returns null where the native module is not used, or when the
 * directory could not be read (its errno is dropped: the caller reads through `fs`, which throws the exact
 * error).
 */
export function nativeList(
  path: Buffer,
  expected?: { readonly ino: number; readonly dev: number },
  noFollow = expected !== undefined,
): NativeListing | typeof NOT_EXPECTED | null {
  if (!usesNativeListDir(path)) return null;
  nativeListDirDefaults.beforeOpen?.(path);
  const addon = loaded()!;
  const raw = expected ? addon.list(path, true, expected.ino, expected.dev) : addon.list(path, noFollow);
  const listing = unpack(raw);
  if (typeof listing === 'number') return null;
  if (listing !== NOT_EXPECTED) {
    nativeListDirDefaults.listings++;
    nativeListDirDefaults.afterList?.(path, listing);
  }
  return listing;
}
