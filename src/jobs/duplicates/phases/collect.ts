import fs from 'node:fs';
import path from 'node:path';
import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { FatalError } from '../../../phases/PhaseError.js';
import type { PhaseContext } from '../../../phases/types.js';
import { DirectoryChangedError, DirHandle } from '../../fs/DirHandle.js';
import type { FileIdentity } from '../../fs/fileIdentity.js';
import { extensionOf, joinBytes } from '../../fs/paths.js';
import { type NativeListing, NOT_EXPECTED, nativeList } from '../../fs/nativeListDir.js';
import { joinNameAt, nameAt } from '../../fs/packedNames.js';
import { RAW_STAT_FIELDS, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../../fs/rawFs.js';
import type { Library } from '../../library/Library.js';
import { display } from '../../content/fileBytes.js';
import { dropLists } from '../fileLists.js';
import { candidate } from '../packFiles.js';
import { hashPoolFor, ReadAhead } from '../readAhead.js';
import { commitGroups, groupCandidates, groupsOf, keepGroups } from './groupBySize.js';
import type { CandidateFile, DuplicatesDeps, DuplicatesInput, DuplicatesState } from '../types.js';
import { sameSizeFilesOfLocation } from '../duplicatesQueries.js';
import { dirsOfLocation } from '../../library/entries.js';
import { getLocation, getLocationByPath } from '../../library/locations.js';

type Ctx = PhaseContext<DuplicatesState, DuplicatesInput, DuplicatesDeps>;

/** The size filters of an input, with their defaults. */
export function sizeRange(input: DuplicatesInput): { min: number; max: number } {
  const min = input.minSize ?? (input.includeEmpty ? 0 : 1);
  return { min: input.includeEmpty ? min : Math.max(min, 1), max: input.maxSize ?? Number.MAX_SAFE_INTEGER };
}

/**
 * Find the files to compare: walk the paths (not following symlinks), or read an indexed location's entries
 * from the library and stat only those whose size another file shares. Files within the size and extension
 * filters whose size no other file has are dropped at once: they cannot have a duplicate. The others are
 * grouped as group-by-size groups them ({@link groupCandidates}) and written with this phase's checkpoint,
 * as analysis' work list (or the answer, in `size` and `name-and-size` modes).
 *
 * Not resumable inside: a walk killed half way walks again (it reads no file contents). Its result, the
 * groups of files that share a size, is committed by one forced checkpoint at its end.
 */
export const collect = phase<DuplicatesState, DuplicatesInput, DuplicatesDeps>({
  name: 'collect',
  weight: 2,
  async execute(ctx) {
    const { input, state } = ctx;
    if ((input.paths === undefined || input.paths.length === 0) === (input.location === undefined)) {
      throw new FatalError(
        'Give duplicate detection either paths to walk or an indexed location, not both or neither.',
      );
    }
    // Collect finds all of these afresh each time it runs (again after a stop right after its commit).
    state.counts.files = 0;
    state.counts.bytes = 0;
    state.counts.symlinks = 0;
    state.counts.vanished = 0;
    state.hardLinks = [];
    const mode = input.mode ?? 'content';
    // In content and deep modes the partial hashes of the files whose size is shared are read ahead, from
    // the moment the walk finds a size's second file: the worker threads read while this thread walks on.
    const ahead =
      input.location === undefined && (mode === 'content' || mode === 'deep')
        ? new ReadAhead(hashPoolFor(input))
        : null;
    // Per size, its first file until a second one is found, then every file of that size in the order found.
    const perSize = new Map<number, CandidateFile | CandidateFile[]>();
    const onFile = (f: CandidateFile) => {
      const seen = perSize.get(f.size);
      if (seen === undefined) {
        perSize.set(f.size, f);
        return;
      }
      if (Array.isArray(seen)) seen.push(f);
      else {
        perSize.set(f.size, [seen, f]);
        ahead?.add(seen);
      }
      ahead?.add(f);
    };
    try {
      if (input.location !== undefined) fromLibrary(ctx, onFile);
      else walk(ctx, onFile);
    } catch (error) {
      ahead?.close(); // a walk that failed or was interrupted: its reads are never taken
      throw error;
    }
    const lists: CandidateFile[][] = [];
    let shared = 0;
    for (const seen of perSize.values()) {
      if (!Array.isArray(seen)) continue;
      lists.push(seen);
      shared += seen.length;
    }
    state.counts.uniqueSize = state.counts.files - shared;
    // Grouped here, as group-by-size would (it then has nothing to do): one list written, not two. By size,
    // the lists are the groups before their hard links are folded.
    const groups =
      mode === 'name-and-size' ? groupCandidates(lists.flat(), mode, state) : groupsOf(lists, state);
    if (ahead !== null) {
      ahead.finish();
      ahead.register(ctx.signal);
    }
    ctx.reportProgress({
      message: `${state.counts.files} files, ${shared} share a size: ${groups.length} groups`,
    });
    const library = ctx.deps?.library;
    if (library === undefined) {
      keepGroups(state, groups, mode);
      return Continue;
    }
    // The groups go to the library, committed with the checkpoint that counts their chunks.
    state.collected = null;
    await commitGroups(ctx, library, groups, mode);
    return Continue;
  },
  async onFailure(ctx) {
    dropLists(ctx.deps?.library, ctx.jobId);
  },
});

function filters(input: DuplicatesInput) {
  const { min, max } = sizeRange(input);
  const extensions = input.extensions?.length
    ? new Set(input.extensions.map((e) => e.replace(/^\./, '').toLowerCase()))
    : null;
  return {
    min,
    max,
    /** Whether every name passes (no extension filter): the walk then needs no name of its own per file. */
    anyName: extensions === null,
    nameOk: (name: Buffer) => extensions === null || extensions.has(extensionOf(name.toString('utf8')) ?? ''),
  };
}

/** Walk the paths; `onFile` sees each file kept, as it is found. */
function walk(ctx: Ctx, onFile: (f: CandidateFile) => void): void {
  const { input, state } = ctx;
  const { min, max, anyName, nameOk } = filters(input);
  // The same path can be reached twice only from two given paths: one path needs no set of every path.
  const seen = (input.paths?.length ?? 0) > 1 ? new Set<string>() : null;
  const consider = (full: Buffer, size: number, mtimeMs: number, ino: number, dev: number) => {
    if (seen !== null) {
      const key = full.toString('latin1');
      if (seen.has(key)) return; // the same path reached from two of the given paths: counted once
      seen.add(key);
    }
    state.counts.files++;
    state.counts.bytes += size;
    if (size < min || size > max) return;
    const f = candidate(full, size, mtimeMs, ino, dev);
    onFile(f);
  };
  // Each directory with the identity its parent's listing saw: it is opened without following a symlink and
  // only if it is still that directory, then read and its entries stat-ed through its descriptor, so a
  // directory swapped for a symlink (or another directory) since its parent was read is never walked into.
  const stack: { path: Buffer; ino?: number; dev?: number }[] = [];
  for (const given of input.paths ?? []) {
    const root = Buffer.from(path.resolve(given));
    let st: fs.Stats;
    try {
      st = fs.lstatSync(root);
    } catch (error) {
      throw new FatalError(
        `Cannot look for duplicates in ${root}: ${(error as Error).message}. Give existing paths.`,
        { cause: error },
      );
    }
    if (st.isDirectory()) stack.push({ path: root });
    else if (st.isFile() && nameOk(Buffer.from(path.basename(given)))) {
      consider(root, st.size, st.mtimeMs, st.ino, st.dev);
    } else if (st.isSymbolicLink()) state.counts.symlinks++;
  }
  let sinceReport = 0;
  while (stack.length > 0) {
    const { path: dir, ino, dev } = stack.pop()!;
    if (sinceReport++ >= 256) {
      sinceReport = 0;
      ctx.reportProgress({ message: `${state.counts.files} files`, completed: state.counts.files });
    }
    // Natively where it can: the same checks (not a symlink, the identity its parent saw), the entries
    // stat-ed through the open directory in one call. Where it cannot read it, through fs below, which
    // reports the error as it always has.
    const native = nativeList(dir, ino !== undefined ? { ino, dev: dev! } : undefined, true);
    if (native !== null && native !== NOT_EXPECTED) {
      walkListing(dir, native);
      continue;
    }
    let handle: DirHandle;
    let names: fs.Dirent<Buffer>[];
    try {
      handle = DirHandle.open(dir, { expected: identityOf(ino, dev), shown: display(dir) });
    } catch (error) {
      ctx.addNonFatalError(error, {
        path: display(dir),
        op: error instanceof DirectoryChangedError ? 'open' : 'readdir',
      });
      continue;
    }
    try {
      try {
        names = fs.readdirSync(handle.path, { withFileTypes: true, encoding: 'buffer' });
      } catch (error) {
        ctx.addNonFatalError(error, { path: display(dir), op: 'readdir' });
        continue;
      }
      for (const d of names) {
        if (d.isSymbolicLink()) {
          state.counts.symlinks++;
          continue;
        }
        const isDir = d.isDirectory();
        if (!isDir && !d.isFile() && !isUnknown(d)) continue; // sockets, fifos, devices
        if (!isDir && !nameOk(d.name)) continue;
        const full = joinBytes(dir, d.name);
        let st: fs.Stats | undefined;
        try {
          // A directory is stat-ed through the open one, so the identity it is then opened against is that of
          // the directory really listed; a file by its path, as it is read later (and a path lookup is cheaper
          // than one through /proc/self/fd).
          st = fs.lstatSync(isDir ? handle.child(d.name) : full, { throwIfNoEntry: false });
        } catch (error) {
          ctx.addNonFatalError(error, { path: display(full), op: 'stat' });
          continue;
        }
        if (st === undefined) continue; // deleted since readdir
        if (st.isDirectory()) push(full, st.ino, st.dev);
        else if (st.isFile() && (!isDir || nameOk(d.name)))
          consider(full, st.size, st.mtimeMs, st.ino, st.dev);
        else if (st.isSymbolicLink()) state.counts.symlinks++;
      }
    } finally {
      handle.close();
    }
  }

  /**
   * A directory to walk, with the inode and device it must still have when its numbers hold them exactly
   * (below 2^53; else it is still opened without following a symlink, only not checked against its inode).
   */
  function push(full: Buffer, ino: number, dev: number): void {
    stack.push(
      Number.isSafeInteger(ino) && Number.isSafeInteger(dev) ? { path: full, ino, dev } : { path: full },
    );
  }

  /** The entries of a native listing, as the loop over `fs` entries above takes them. */
  function walkListing(dir: Buffer, listing: NativeListing): void {
    const { ends, stats, errnos } = listing;
    for (let i = 0; i < ends.length; i++) {
      const s = i * RAW_STAT_FIELDS;
      let type: number;
      if (errnos[i] === 0) {
        type = stats[s + 5] & S_IFMT;
      } else {
        // Its lstat failed: ask fs, for the error it reports (or the file, if it is there now).
        const name = nameAt(listing, i);
        const full = joinBytes(dir, name);
        const st = lstatReported(ctx, full);
        if (st === null || st === undefined) continue; // failed (recorded), or deleted since readdir
        if (st.isDirectory()) push(full, st.ino, st.dev);
        else if (st.isFile() && nameOk(name)) consider(full, st.size, st.mtimeMs, st.ino, st.dev);
        else if (st.isSymbolicLink()) state.counts.symlinks++;
        continue;
      }
      if (type === S_IFLNK) state.counts.symlinks++;
      else if (type === S_IFDIR) push(joinNameAt(dir, listing, i), stats[s + 3], stats[s + 4]);
      else if (type === S_IFREG && (anyName || nameOk(nameAt(listing, i)))) {
        consider(joinNameAt(dir, listing, i), stats[s], stats[s + 1], stats[s + 3], stats[s + 4]);
      }
    }
  }
}

/** The identity a directory must have, from its parent's numbers (none when they were not exact). */
function identityOf(ino: number | undefined, dev: number | undefined): FileIdentity | undefined {
  return ino === undefined || dev === undefined ? undefined : `${dev}:${ino}`;
}

/** `lstat` of `full`: undefined when nothing is there, null when it failed (recorded as a non-fatal error). */
function lstatReported(ctx: Ctx, full: Buffer): fs.Stats | undefined | null {
  try {
    return fs.lstatSync(full, { throwIfNoEntry: false });
  } catch (error) {
    ctx.addNonFatalError(error, { path: display(full), op: 'stat' });
    return null;
  }
}

/** A dirent of a file system that does not report types (some network file systems). */
function isUnknown(d: fs.Dirent<Buffer>): boolean {
  return (
    !d.isFile() &&
    !d.isDirectory() &&
    !d.isSymbolicLink() &&
    !d.isFIFO() &&
    !d.isSocket() &&
    !d.isBlockDevice() &&
    !d.isCharacterDevice()
  );
}

/** The location's entries whose size another shares, stat-ed; `onFile` sees each file kept. */
function fromLibrary(ctx: Ctx, onFile: (f: CandidateFile) => void): void {
  const { input, state } = ctx;
  const library = ctx.deps.library;
  if (!library) throw new TypeError('Duplicate detection over a location needs deps.library.');
  const location = resolveLocation(library, input.location!);
  state.locationId = location.id;
  const { min, max, nameOk } = filters(input);
  const dirs = new Map<number, Buffer>();
  for (const d of dirsOfLocation(library, location.id)) {
    dirs.set(
      d.id,
      d.parentId === null ? location.path : joinBytes(dirs.get(d.parentId) ?? Buffer.alloc(0), d.name),
    );
  }
  // In content and deep modes a file whose content id no other file has is left out: as the library recorded
  // it, it has no duplicate. Every file that is kept is stat-ed, and its content id and hash used only if its
  // size, mtime and ctime are unchanged (a file rewritten and given its old mtime back has a new ctime: it is
  // read again, not reported as a copy by the ids of its old bytes); files changed or added since the last
  // index are seen after the next one.
  const contentModes = (input.mode ?? 'content') === 'content' || input.mode === 'deep';
  for (const row of sameSizeFilesOfLocation(library, location.id, min, max, contentModes)) {
    if (!nameOk(row.name)) continue;
    const dir = dirs.get(row.parentId);
    if (dir === undefined) continue;
    const full = joinBytes(dir, row.name);
    const st = lstatReported(ctx, full);
    if (st === null) continue;
    if (st === undefined || !st.isFile()) {
      state.counts.vanished++;
      continue;
    }
    state.counts.files++;
    state.counts.bytes += st.size;
    if (st.size < min || st.size > max) continue;
    const unchanged = st.size === row.size && st.mtimeMs === row.mtimeMs && st.ctimeMs === row.ctimeMs;
    const f = candidate(
      full,
      st.size,
      st.mtimeMs,
      st.ino,
      st.dev,
      row.id,
      unchanged ? row.contentId : null,
      unchanged ? row.fullHash : null,
    );
    onFile(f);
  }
}

function resolveLocation(library: Library, location: number | string) {
  const found =
    typeof location === 'number'
      ? getLocation(library, location)
      : getLocationByPath(library, path.resolve(location));
  if (!found) {
    throw new FatalError(
      `No indexed location ${JSON.stringify(location)} in the library. Index it first (phasekit index DIR), or give paths to walk.`,
    );
  }
  return found;
}
