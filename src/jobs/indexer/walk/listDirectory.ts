import fs from 'node:fs';
import { extensionOf, joinBytes } from '../../fs/paths.js';
import { type IgnorePattern, parseGitignore } from '../gitignore.js';
import { nameRulesPrefilter, ruleVerdict } from '../rules.js';
import type { IndexerRules } from '../rules.js';
import { NOT_EXPECTED, nativeList } from '../../fs/nativeListDir.js';
import { hasName, nameAt } from '../../fs/packedNames.js';
import { lstatInto, readdirNames, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../../fs/rawFs.js';

export { nameAt };

/** What an entry of a {@link Listing} is: indexed as a file, directory or symlink, skipped, or unreadable. */
export const FILE = 0;
export const DIR = 1;
export const SYMLINK = 2;
/** A socket, FIFO or device (never indexed), or an entry the rules leave out. */
export const SKIPPED = 3;
/** `lstat` failed: `errors` has why; the library's entry (if any) is kept as it is. */
export const UNREADABLE = 4;

/** Numbers per entry in {@link Listing.stats}: size, mtimeMs, ctimeMs, ino, dev, mode. */
export const STAT_FIELDS = 6;

/** An error as it crosses a thread: what the job's error record keeps of it (name, message, code). */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

/**
 * One directory read: its entries in `readdir` order with their `lstat` numbers, packed in typed arrays so a
 * listing crosses from a worker thread by transfer, not by copy.
 */
export interface Listing {
  /** The directory's path, as read. */
  readonly path: Uint8Array;
  /** `readdir` failed (the directory is unreadable): no entries. */
  readonly error?: Error | WireError;
  /** The directory's `.gitignore`, when the gitignore rule is on and it has one. */
  readonly gitignore?: string;
  readonly gitignoreError?: Error | WireError;
  /** Entry names end to end; entry `i` is `names[ends[i - 1] ?? 0, ends[i])`. */
  readonly names: Uint8Array;
  readonly ends: Uint32Array;
  /** Per entry: FILE, DIR, SYMLINK, SKIPPED or UNREADABLE. */
  readonly codes: Uint8Array;
  /** Per entry, {@link STAT_FIELDS} numbers (zeros for an unreadable one). */
  readonly stats: Float64Array;
  /** Symlink targets by entry index (`null`: `readlink` failed, see `errors`). */
  readonly links: Record<number, Uint8Array | null>;
  /** Per-entry errors in entry order: `lstat` (the entry is UNREADABLE) or `readlink` (a symlink). */
  readonly errors: {
    readonly index: number;
    readonly op: 'lstat' | 'readlink';
    readonly error: Error | WireError;
  }[];
}

/** The options a {@link DirectoryLister} reads with. */
export interface ListerOptions {
  readonly rules: Required<IndexerRules>;
  /** The .gitignore texts already known, by relative directory path (the job's state). */
  readonly gitignores: Record<string, string>;
}

const GITIGNORE = Buffer.from('.gitignore');

/**
 * Reads directories the way discovery needs them: `readdir` with byte names, `lstat` of every entry, the
 * link target of symlinks, the rules' verdict, and the directory's `.gitignore` (kept for the directories
 * below). The same code runs in the walk's worker thread and, without one, in the job's own thread, so a
 * listing is the same either way.
 */
export class DirectoryLister {
  readonly #rules: Required<IndexerRules>;
  readonly #gitignores: Record<string, string>;
  readonly #compiled = new Map<string, IgnorePattern[]>();
  /** Wire errors (plain objects) instead of `Error`s: for listings that cross threads. */
  readonly #wire: boolean;
  /** False for a name no rule can leave out (see {@link nameRulesPrefilter}); `undefined`: ask the rules. */
  readonly #mayMatch: ReturnType<typeof nameRulesPrefilter>;

  constructor(options: ListerOptions, wire = false) {
    this.#rules = options.rules;
    this.#mayMatch = nameRulesPrefilter(options.rules);
    this.#gitignores = { ...options.gitignores };
    this.#wire = wire;
  }

  /**
   * Read the directory at `path` (bytes), `rel` its path from the location root ('' for the root). With
   * `expected` (the inode and device its parent's listing saw), the path must still name that directory,
   * before and after `readdir`: a directory replaced by a symlink (or anything else) since is not followed
   * but reported unreadable (`DirectoryChangedError`-like error, code `ENOTDIR`).
   */
  list(path: Uint8Array, rel: string, expected?: { readonly ino?: number; readonly dev?: number }): Listing {
    const rules = this.#rules;
    const dirPath = Buffer.from(path.buffer, path.byteOffset, path.byteLength);
    const check = expected?.ino !== undefined && expected.dev !== undefined;
    // Natively where it can (names and numbers in one call, relative to the open directory); through `fs`
    // where it cannot, or where the directory could not be read (so the error is the one `fs` throws).
    const native = nativeList(dirPath, check ? { ino: expected.ino!, dev: expected.dev! } : undefined);
    let packed: Uint8Array;
    let ends: Uint32Array;
    let stats: Float64Array;
    let errnos: Int32Array | null = null;
    try {
      if (native === NOT_EXPECTED) throw changedError(dirPath);
      if (native !== null) {
        ({ names: packed, ends, stats, errnos } = native);
      } else {
        if (check) sameDirectory(dirPath, expected.ino!, expected.dev!);
        const names = readdirNames(dirPath);
        if (check) sameDirectory(dirPath, expected.ino!, expected.dev!);
        ({ packed, ends } = pack(names));
        stats = new Float64Array(names.length * STAT_FIELDS);
      }
    } catch (error) {
      return {
        path,
        error: this.#error(error),
        names: new Uint8Array(0),
        ends: new Uint32Array(0),
        codes: new Uint8Array(0),
        stats: new Float64Array(0),
        links: {},
        errors: [],
      };
    }
    const n = ends.length;
    let gitignore: string | undefined;
    let gitignoreError: Error | WireError | undefined;
    if (rules.gitignore && hasName({ names: packed, ends }, GITIGNORE)) {
      try {
        gitignore = fs.readFileSync(joinBytes(path, GITIGNORE), 'utf8');
        this.#gitignores[rel] = gitignore;
      } catch (error) {
        gitignoreError = this.#error(error);
      }
    }
    const ignores = rules.gitignore ? this.#ignoresFor(rel) : [];
    const anyRule =
      rules.hidden || rules.system || rules.git || rules.devDirs || rules.gitignore || rules.onlyImages;
    const mayMatch = this.#mayMatch;
    const codes = new Uint8Array(n);
    const links: Record<number, Uint8Array | null> = {};
    const errors: Listing['errors'] = [];
    const prefix = this.#prefix(path);
    const listed = { names: packed, ends };
    for (let i = 0; i < n; i++) {
      const s = i * STAT_FIELDS;
      let type: number;
      if (errnos !== null && errnos[i] === 0) {
        type = stats[s + 5] & S_IFMT;
      } else {
        // Through `fs`: no native numbers for it, or its native `lstat` failed (`fs` throws that error).
        try {
          type = lstatInto(this.#pathOf(prefix, nameAt(listed, i)), stats, s) & S_IFMT;
        } catch (error) {
          stats.fill(0, s, s + STAT_FIELDS);
          codes[i] = UNREADABLE;
          errors.push({ index: i, op: 'lstat', error: this.#error(error) });
          continue;
        }
      }
      const kind = type === S_IFDIR ? 'dir' : type === S_IFLNK ? 'symlink' : type === S_IFREG ? 'file' : null;
      if (kind === null) {
        stats.fill(0, s, s + STAT_FIELDS);
        codes[i] = SKIPPED;
        continue;
      }
      if (anyRule && (mayMatch === undefined || mayMatch(packed, i === 0 ? 0 : ends[i - 1], ends[i]))) {
        const nameText = nameAt(listed, i).toString('utf8');
        // Only the rules that read them: the extension (onlyImages) and the path from the root (gitignore).
        const extension = kind === 'dir' || !rules.onlyImages ? null : extensionOf(nameText);
        const entryRel = !rules.gitignore ? '' : rel === '' ? nameText : `${rel}/${nameText}`;
        if (ruleVerdict(rules, nameText, entryRel, kind, extension, ignores) !== null) {
          stats.fill(0, s, s + STAT_FIELDS);
          codes[i] = SKIPPED;
          continue;
        }
      }
      codes[i] = kind === 'file' ? FILE : kind === 'dir' ? DIR : SYMLINK;
      if (kind === 'symlink') {
        try {
          const target = fs.readlinkSync(this.#pathOf(prefix, nameAt(listed, i)), { encoding: 'buffer' });
          // A copy of its own: a view into Node's shared pool would cross threads with the whole pool.
          links[i] = this.#wire ? new Uint8Array(target) : target;
        } catch (error) {
          links[i] = null;
          errors.push({ index: i, op: 'readlink', error: this.#error(error) });
        }
      }
    }
    return {
      path,
      ...(gitignore !== undefined ? { gitignore } : {}),
      ...(gitignoreError !== undefined ? { gitignoreError } : {}),
      names: packed,
      ends,
      codes,
      stats,
      links,
      errors,
    };
  }

  /** A scratch buffer holding `dir/` (the separator not doubled), for the entries' paths. */
  #scratch = Buffer.allocUnsafeSlow(4096);

  #prefix(dir: Uint8Array): number {
    const slash = dir.length > 0 && dir[dir.length - 1] === 0x2f;
    const length = dir.length + (slash ? 0 : 1);
    if (this.#scratch.length < length + 256) this.#scratch = Buffer.allocUnsafeSlow((length + 256) * 2);
    this.#scratch.set(dir, 0);
    if (!slash) this.#scratch[dir.length] = 0x2f;
    return length;
  }

  /**
   * `dir/name` (dir set by {@link #prefix}) as a view of the scratch buffer, valid until the next call: one
   * path per entry without allocating one (the `fs` calls copy it).
   */
  #pathOf(prefix: number, name: Buffer): Buffer {
    if (this.#scratch.length < prefix + name.length) {
      const bigger = Buffer.allocUnsafeSlow((prefix + name.length) * 2);
      this.#scratch.copy(bigger, 0, 0, prefix);
      this.#scratch = bigger;
    }
    name.copy(this.#scratch, prefix);
    return this.#scratch.subarray(0, prefix + name.length);
  }

  /** The .gitignore patterns in force in the directory `rel`, outermost first. */
  #ignoresFor(rel: string): { base: string; patterns: IgnorePattern[] }[] {
    const out: { base: string; patterns: IgnorePattern[] }[] = [];
    const parts = rel === '' ? [] : rel.split('/');
    for (let i = 0; i <= parts.length; i++) {
      const base = parts.slice(0, i).join('/');
      const text = this.#gitignores[base];
      if (text === undefined) continue;
      let patterns = this.#compiled.get(base);
      if (!patterns) {
        patterns = parseGitignore(text);
        this.#compiled.set(base, patterns);
      }
      out.push({ base, patterns });
    }
    return out;
  }

  #error(error: unknown): Error | WireError {
    if (!this.#wire) return error as Error;
    const e = error as NodeJS.ErrnoException;
    return {
      name: e?.name ?? 'Error',
      message: e?.message ?? String(error),
      ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    };
  }
}

const sameScratch = new Float64Array(STAT_FIELDS);

/**
 * Throws (code `ENOTDIR`) unless `path`, not following a final symlink, is the directory with this inode and
 * device: with any path component replaced by a symlink, the inode differs too.
 */
function sameDirectory(path: Buffer, ino: number, dev: number): void {
  const st = sameScratch;
  const mode = lstatInto(path, st, 0);
  if ((mode & S_IFMT) !== S_IFDIR || st[3] !== ino || st[4] !== dev) throw changedError(path);
}

/** The error of a directory that is no longer the one its parent listed (code `ENOTDIR`). */
function changedError(path: Buffer): NodeJS.ErrnoException {
  const error = new Error(
    `${path.toString('utf8')} changed during the walk (no longer the directory its parent listed): not followed; index again to record what is there now.`,
  ) as NodeJS.ErrnoException;
  error.code = 'ENOTDIR';
  return error;
}

/** Names end to end, and where each ends. */
function pack(names: readonly Buffer[]): { packed: Uint8Array; ends: Uint32Array } {
  let length = 0;
  for (const name of names) length += name.length;
  const packed = new Uint8Array(length);
  const ends = new Uint32Array(names.length);
  let at = 0;
  for (let i = 0; i < names.length; i++) {
    packed.set(names[i], at);
    at += names[i].length;
    ends[i] = at;
  }
  return { packed, ends };
}

/** An error from a listing as an `Error` again (a wire error keeps its name, message and code). */
export function listingError(error: Error | WireError): Error {
  if (error instanceof Error) return error;
  const e = new Error(error.message) as NodeJS.ErrnoException;
  if (error.name !== 'Error') e.name = error.name;
  if (error.code !== undefined) e.code = error.code;
  return e;
}
