import fs from 'node:fs';
import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import type { PhaseContext } from '../../../phases/types.js';
import type { EntryRow, EntryUpdate, NewEntry } from '../../library/types.js';
import { displayPath, extensionOf, joinBytes } from '../../fs/paths.js';
import { DEFAULT_RULES } from '../rules.js';
import type { IndexerDeps, IndexerInput, IndexerState, PendingDir } from '../types.js';
import {
  K_ID,
  K_CTIME,
  K_DEVICE,
  K_INODE,
  K_KIND,
  K_MTIME,
  K_SIZE,
  KnownChildren,
  type KnownRow,
} from '../walk/KnownChildren.js';
import {
  DIR,
  FILE,
  type Listing,
  listingError,
  nameAt,
  STAT_FIELDS,
  SYMLINK,
  UNREADABLE,
} from '../walk/listDirectory.js';
import { ReadAhead, readAheadDefaults } from '../walk/ReadAhead.js';
import {
  checkInterruptRestoringIndexes,
  deferIndexes,
  restoreDeferredIndexes,
} from '../writes/deferredIndexes.js';
import { insertNewEntries } from '../writes/insertNewEntries.js';
import { DirectorySums, gatheredSums } from './DirectorySums.js';
import { openLocation, reserveIds } from './openLocation.js';
import { setContentIds } from '../../library/contentIdentities.js';
import { findByInode, getEntry, pathOf, updateEntries } from '../../library/entries.js';
import type { Library } from '../../library/Library.js';

type Ctx = PhaseContext<IndexerState, IndexerInput, IndexerDeps>;

/** The smallest and largest range of entry ids discovery reserves at once (see `nextId`). */
const MIN_RESERVE = 1024;
const MAX_RESERVE = 65_536;

/** Writes waiting for the next checkpoint. */
interface Batch {
  inserts: NewEntry[];
  updates: EntryUpdate[];
  /** Entries whose content changed: their content id, MIME and dimensions are cleared. */
  cleared: number[];
}

/**
 * Walk the tree from the location root, a directory at a time, comparing each directory with what the library
 * holds: new entries are inserted, modified and moved ones updated, missing ones noted for processing. The
 * writes of a batch and the checkpoint of the walk (its stack of directories still to read) commit in one
 * transaction, so a job killed at any moment resumes exactly where its last batch ended.
 */
export const discovery = phase<IndexerState, IndexerInput, IndexerDeps>({
  name: 'discovery',
  // Weights by expected work per entry: a readdir share and an lstat (~10 µs) here; hashing in content
  // (~30 µs a small file, more for large ones); sniffing in deep; bookkeeping in the others.
  weight: 3,
  async execute(ctx) {
    const { state, input } = ctx;
    const library = input.ephemeral ? undefined : ctx.deps.library;
    if (!input.ephemeral && !library) {
      throw new TypeError('The indexer needs deps.library to record into (or ephemeral: true).');
    }
    // A first index walked start to end here adds up the directory totals as it goes (see aggregation).
    let sums: DirectorySums | undefined;
    // Not started yet: the location is not open (an empty stack with no directory counted is also a walk of a
    // tree without subdirectories that ended, paused before this phase returned: it must not walk again).
    const opened = input.ephemeral ? state.entries.length > 0 : state.locationId !== null;
    if (!opened) {
      const { deferIndexes: defer } = openLocation(ctx);
      if (library && state.cold) {
        sums = new DirectorySums();
        sums.add(state.rootId, null, 'dir', 0);
      }
      // A new library: its secondary indexes are built once, at the end of the walk (see deferredIndexes).
      await ctx.checkpoint({
        force: true,
        ...(defer && library ? { atomicWith: () => deferIndexes(library) } : {}),
      });
    }
    const rules = { ...DEFAULT_RULES, ...input.rules };
    const batchSize = input.batchSize ?? 1000;
    const recursive = (input.scope ?? 'recursive') === 'recursive';
    let batch: Batch = { inserts: [], updates: [], cleared: [] };
    let pending = 0;
    // What this run has claimed (see Claims): the moves from the state, as a resumed run has them.
    const claims: Claims = {
      moved: new Set(state.moved),
      taken: new Set(),
      movedAway: new Map(),
      movedDirs: new Map(),
    };

    const flush = async (last = false) => {
      const { inserts, updates, cleared } = batch;
      batch = { inserts: [], updates: [], cleared: [] };
      pending = 0;
      // Written with this checkpoint: the library rows themselves now say what those paths hold.
      claims.taken.clear();
      claims.movedDirs.clear();
      // An ephemeral index keeps its entries in the state: checkpoint it on the usual throttle, not per batch.
      await ctx.checkpoint({
        force: library !== undefined,
        ...(library
          ? {
              atomicWith: () => {
                // Updates first: a new path may take the name of an entry moved away in this batch.
                if (updates.length) updateEntries(library, updates);
                if (inserts.length) insertNewEntries(library, inserts);
                if (cleared.length)
                  setContentIds(
                    library,
                    cleared.map((id) => ({ id, contentId: null })),
                  );
                // The walk's last batch brings back the indexes a new library's first index set aside.
                if (last) restoreDeferredIndexes(library);
              },
            }
          : {}),
      });
      // Only between batches: the state in memory then matches what is committed.
      checkInterruptRestoringIndexes(ctx, library);
    };

    // Ids are reserved in ranges, each its own small transaction: the ranges grow with what this run took
    // (1024, 1024, 2048, ... up to 65,536), so a large first index reserves a few times, not once a batch
    // (about a hundred commits, 51 ms of a 100,000-file index). A crash leaves at most one range unused.
    let reserved = 0;
    const nextId = () => {
      if (state.nextId >= state.endId) {
        const count = Math.max(batchSize, MIN_RESERVE, Math.min(reserved, MAX_RESERVE));
        reserveIds(ctx, count);
        reserved += count;
      }
      return state.nextId++;
    };

    const known = library && !state.cold ? new KnownChildren(library, state.locationId!) : undefined;
    const reader = new ReadAhead({
      rules,
      recursive,
      gitignores: () => state.gitignores,
      stack: () => state.stack,
      // A re-index of a location larger than the inline part reads ahead from its first directory on, so the
      // worker walks while this thread reads the library's children (KnownChildren, at the first diff).
      ...(known && (state.expected ?? 0) > readAheadDefaults.inlineFirst ? { inlineFirst: 0 } : {}),
    });
    try {
      let sinceYield = 0;
      while (state.stack.length > 0) {
        const dir = state.stack.pop()!;
        const before = state.stack.length;
        const taken = reader.take(dir);
        const listing = taken instanceof Promise ? await taken : taken;
        sinceYield += applyListing(ctx, dir, listing, { recursive, nextId, batch, known, sums, claims });
        shareOut(state, dir, before);
        pending = batch.inserts.length + batch.updates.length + batch.cleared.length;
        report(ctx, dir.rel || '.');
        if (pending >= batchSize) {
          await flush();
          sinceYield = 0;
        } else if (sinceYield >= YIELD_EVERY) {
          // Let the progress timer and signals run inside a large batch.
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      await reader.close();
    }
    await flush(true);
    if (sums) gatheredSums.set(state, sums);
    return Continue;
  },
});

/** Entries read between two turns given to the host (progress reports, signals) inside one batch. */
const YIELD_EVERY = 256;

/**
 * Discovery's progress. The number of entries is known only at the end (a re-index expects the count it had
 * before, as `total`), so `completed` is the entries found and the percent is the part of the tree explored:
 * the root stands for the whole walk, a directory's part is split among its subdirectories, and a directory
 * with none adds its part to `explored`. That grows with every leaf directory read, never goes back, and is
 * 100 % exactly when the walk ends.
 */
function report(ctx: Ctx, message: string): void {
  const { state } = ctx;
  const found = state.counts.files + state.counts.dirs + state.counts.symlinks;
  const expected = state.expected ?? 0;
  ctx.reportProgress({
    completed: found,
    total: expected > 0 ? Math.max(expected, found) : 0,
    percent: Math.min(99.9, (state.explored ?? 0) * 100),
    message,
  });
}

/**
 * Give the directories that `dir` just pushed (from `state.stack[before]` on) equal parts of its share; with
 * none, its whole share is explored.
 */
function shareOut(state: IndexerState, dir: PendingDir, before: number): void {
  const share = dir.share ?? 0;
  const pushed = state.stack.length - before;
  if (pushed <= 0) {
    state.explored = (state.explored ?? 0) + share;
    return;
  }
  const each = share / pushed;
  for (let i = before; i < state.stack.length; i++) state.stack[i] = { ...state.stack[i], share: each };
}

interface WalkTools {
  recursive: boolean;
  nextId: () => number;
  batch: Batch;
  /** The library's children of each directory (a re-index), read once for the location. */
  known: KnownChildren | undefined;
  /** Directory totals of a first index, gathered as its entries are inserted. */
  sums: DirectorySums | undefined;
  claims: Claims;
}

/**
 * The library entries this run has claimed: each one stands for one path at most (a second claim of an entry
 * lost one of its paths, or gave it the kind of one and the name of the other). Each claim is one a resumed
 * run makes again: a move is in `state.moved`, checkpointed; an entry taken by its own path (its name with
 * another kind or inode) is updated in the batch, so once that commits the library row itself holds what
 * the path holds now, and before it commits a resumed run reads the directory again.
 */
interface Claims {
  /** Entries moved in this run: `state.moved` as a set. */
  moved: Set<number>;
  /** Entries of the unwritten batch taken by their own path with another kind, inode, size or mtime. */
  taken: Set<number>;
  /**
   * Per old parent, the names (hex) of entries moved away from it in this process: the library's children
   * read at the start of the walk still show them there (see KnownChildren). A resumed run reads the
   * children again, with the moves of the written batches under their new parents.
   */
  movedAway: Map<number, string[]>;
  /**
   * Directories moved in the unwritten batch, by id, with their path now: until the batch is written the
   * library still puts what is under them at their old path (see oldPathOf).
   */
  movedDirs: Map<number, Buffer>;
}

/** The library's children of `dirId` as the walk has left them: without the entries moved away in this run. */
function takeKnown(tools: WalkTools, dirId: number): Map<string, KnownRow> {
  const rows = tools.known!.take(dirId);
  const away = tools.claims.movedAway.get(dirId);
  if (away !== undefined) {
    tools.claims.movedAway.delete(dirId);
    for (const key of away) rows.delete(key);
  }
  return rows;
}

/** Diff one directory's listing against the library; returns how many entries it had. */
function applyListing(ctx: Ctx, dir: PendingDir, listing: Listing, tools: WalkTools): number {
  const { state, input } = ctx;
  const library = input.ephemeral ? undefined : ctx.deps.library;
  const { batch } = tools;
  const counts = state.counts;
  if (listing.error !== undefined) {
    // Unreadable: keep what the library knows of it, report, and go on with the rest of the tree.
    ctx.addNonFatalError(listingError(listing.error), { path: displayPath(dir.path), op: 'readdir' });
    return 0;
  }
  if (listing.gitignore !== undefined) state.gitignores[dir.rel] = listing.gitignore;
  if (listing.gitignoreError !== undefined) {
    ctx.addNonFatalError(listingError(listing.gitignoreError), {
      path: `${displayPath(dir.path)}/.gitignore`,
      op: 'read',
    });
  }
  const existing: Map<string, KnownRow> =
    library && !dir.fresh && !state.cold && tools.known ? takeKnown(tools, dir.id) : NONE;
  const { codes, stats, errors, ends } = listing;
  // The names as one Buffer: an entry's key is the hex of its bytes (as KnownChildren's).
  const names = Buffer.from(listing.names.buffer, listing.names.byteOffset, listing.names.byteLength);
  let nextError = 0;
  const n = codes.length;
  for (let i = 0; i < n; i++) {
    const code = codes[i];
    if (code === UNREADABLE) {
      const name = nameAt(listing, i);
      ctx.addNonFatalError(listingError(errors[nextError++].error), {
        path: displayPath(joinBytes(dir.path, name)),
        op: 'lstat',
      });
      // can't tell: keep the library's entry as it is
      if (existing.size > 0) existing.delete(names.toString('hex', i === 0 ? 0 : ends[i - 1], ends[i]));
      continue;
    }
    if (code > SYMLINK) {
      // Sockets, FIFOs and devices are never indexed; ruled-out entries leave the library (stay in `existing`).
      counts.skipped++;
      continue;
    }
    const kind = code === FILE ? 'file' : code === DIR ? 'dir' : 'symlink';
    const key = existing.size > 0 ? names.toString('hex', i === 0 ? 0 : ends[i - 1], ends[i]) : '';
    const known = existing.size > 0 ? existing.get(key) : undefined;
    const same = known !== undefined && known[K_KIND] === kind;
    // An unchanged file of a re-index needs neither its name (no Buffer made) nor its name as text.
    const name = same && kind === 'file' ? NO_NAME : nameAt(listing, i);
    const s = i * STAT_FIELDS;
    const stSize = stats[s];
    const mtimeMs = stats[s + 1];
    const ctimeMs = stats[s + 2];
    const ino = stats[s + 3];
    const dev = stats[s + 4];
    const mode = stats[s + 5];
    if (kind === 'file') {
      counts.files++;
      counts.bytes += stSize;
    } else if (kind === 'dir') counts.dirs++;
    else counts.symlinks++;
    const size = kind === 'dir' ? 0 : stSize;
    let symlinkTarget: Buffer | null = null;
    if (kind === 'symlink') {
      const link = listing.links[i];
      if (link === null || link === undefined) {
        const error = errors[nextError++];
        ctx.addNonFatalError(listingError(error.error), {
          path: displayPath(joinBytes(dir.path, name)),
          op: 'readlink',
        });
      } else symlinkTarget = Buffer.from(link.buffer, link.byteOffset, link.byteLength);
    }
    // An unchanged file or link of a re-index needs neither its name as text nor its extension.
    const nameText = same && kind !== 'dir' ? '' : name.toString('utf8');
    const extension = kind === 'dir' || same ? null : extensionOf(nameText);
    const rel = kind === 'dir' ? (dir.rel === '' ? nameText : `${dir.rel}/${nameText}`) : '';

    if (input.ephemeral) {
      const id = state.entries.length;
      const full = joinBytes(dir.path, name);
      state.entries.push({
        id,
        parentId: dir.id,
        path: displayPath(full),
        name: Buffer.from(name),
        kind,
        size,
        mtimeMs,
        inode: ino,
      });
      counts.new++;
      if (kind === 'dir' && tools.recursive) state.stack.push({ id, path: full, rel, fresh: true, ino, dev });
      continue;
    }
    if (same) {
      existing.delete(key);
      const knownId = known[K_ID];
      // Changed: its size, mtime or inode, or its ctime. A ctime moves with every write, so a file rewritten and
      // given its old mtime back (`touch -r`, `cp -p`, `tar -x`, `rsync -t`) is seen, as git's stat check sees
      // it; a chmod, chown or hard link moves it too, and the file is hashed again to find the same content id.
      // Keeping the content id there would let duplicate detection, which trusts the library's ids, take two
      // files for copies when one was rewritten.
      if (
        known[K_SIZE] !== size ||
        known[K_MTIME] !== mtimeMs ||
        known[K_INODE] !== ino ||
        known[K_CTIME] !== ctimeMs
      ) {
        batch.updates.push({
          id: knownId,
          size,
          mtimeMs,
          ctimeMs,
          inode: ino,
          device: dev,
          mode,
          ...(kind === 'symlink' ? { symlinkTarget } : {}),
          // New content: what was learnt from the old bytes no longer holds.
          ...(kind === 'file' ? { mime: null, width: null, height: null, orientation: null } : {}),
        });
        if (kind === 'file') batch.cleared.push(knownId);
        // Taken by its own path: not a move candidate for another one (its row still has the old inode).
        tools.claims.taken.add(knownId);
        if (kind !== 'dir') counts.modified++;
        else counts.unchanged++;
      } else {
        // A disk mounted again may come back under another device number, its inodes and times as they were:
        // the row takes the number (the mode cannot have changed without the ctime), so the library stays equal
        // to a clean index.
        if (known[K_DEVICE] !== dev) batch.updates.push({ id: knownId, device: dev });
        counts.unchanged++;
      }
      if (kind === 'dir' && tools.recursive)
        state.stack.push({ id: knownId, path: joinBytes(dir.path, name), rel, fresh: false, ino, dev });
      continue;
    }
    if (known !== undefined) {
      // The path now holds another kind of entry (a directory replaced by a file, a link by a directory...):
      // the entry keeps its id and takes what is there now, as if new (a second row under the same name
      // would break the library's unique key); what the library had under an old directory goes as missing.
      existing.delete(key);
      const knownId = known[K_ID];
      tools.claims.taken.add(knownId);
      if (known[K_KIND] === 'dir' && tools.known) {
        for (const row of takeKnown(tools, knownId).values()) state.missing.push(row[K_ID]);
      }
      batch.updates.push({
        id: knownId,
        kind,
        nameText,
        extension,
        size,
        aggregateSize: 0,
        childCount: 0,
        fileCount: 0,
        mtimeMs,
        ctimeMs,
        inode: ino,
        device: dev,
        mode,
        symlinkTarget,
        mime: null,
        width: null,
        height: null,
        orientation: null,
      });
      batch.cleared.push(knownId);
      counts.modified++;
      if (kind === 'dir' && tools.recursive)
        state.stack.push({ id: knownId, path: joinBytes(dir.path, name), rel, fresh: true, ino, dev });
      continue;
    }
    const moved = !state.cold ? findMoved(ctx, ino, dev, kind, tools.claims) : undefined;
    if (moved) {
      // Moved and changed too (edited after the move, or a new file that reuses a deleted one's inode): what was
      // learnt from the old bytes no longer holds, as for a file modified in place.
      const changed = moved.size !== size || moved.mtimeMs !== mtimeMs;
      batch.updates.push({
        id: moved.id,
        parentId: dir.id,
        name: Buffer.from(name),
        nameText,
        extension,
        size,
        mtimeMs,
        ctimeMs,
        mode,
        ...(kind === 'symlink' ? { symlinkTarget } : {}),
        ...(kind === 'file' && changed ? { mime: null, width: null, height: null, orientation: null } : {}),
      });
      if (kind === 'file' && changed) batch.cleared.push(moved.id);
      const at = state.missing.indexOf(moved.id);
      if (at >= 0) state.missing.splice(at, 1);
      state.moved.push(moved.id);
      tools.claims.moved.add(moved.id);
      // Its old name must not be taken for it again: here, or when its old parent is read.
      const oldKey = moved.name.toString('hex');
      if (moved.parentId === dir.id) {
        if (existing.size > 0) existing.delete(oldKey);
      } else {
        const away = tools.claims.movedAway.get(moved.parentId!);
        if (away === undefined) tools.claims.movedAway.set(moved.parentId!, [oldKey]);
        else away.push(oldKey);
      }
      counts.moved++;
      if (kind === 'dir') {
        const path = joinBytes(dir.path, name);
        tools.claims.movedDirs.set(moved.id, path);
        if (tools.recursive) state.stack.push({ id: moved.id, path, rel, fresh: false, ino, dev });
      }
      continue;
    }
    const id = tools.nextId();
    batch.inserts.push({
      id,
      locationId: state.locationId!,
      parentId: dir.id,
      name,
      nameText,
      extension,
      kind,
      size,
      inode: ino,
      device: dev,
      mtimeMs,
      ctimeMs,
      mode,
      symlinkTarget,
    });
    counts.new++;
    tools.sums?.add(id, dir.id, kind, size);
    if (kind === 'dir' && tools.recursive)
      state.stack.push({ id, path: joinBytes(dir.path, name), rel, fresh: true, ino, dev });
  }
  // What the library has here and the disk no longer does (or the rules now leave out). A row moved away in
  // this run is no longer here (takeKnown, and the moved branch above for a move within this directory).
  for (const row of existing.values()) if (!tools.claims.moved.has(row[K_ID])) state.missing.push(row[K_ID]);
  return n;
}

/** The name of an unchanged file, never read (see applyListing). */
const NO_NAME = Buffer.alloc(0);

/** No library children to compare with (a first index, a new directory). */
const NONE = new Map<string, KnownRow>(); // never written: every write above is behind existing.size > 0

/**
 * The library entry this new path was moved from: same inode and device, same kind, not claimed yet in this
 * run (moved, or taken by its own path), and its old path no longer holds that inode — it names something
 * else, or nothing: missing (`ENOENT`) or under what is no directory now (`ENOTDIR`). An old path that cannot
 * be looked at (`EACCES`, `ELOOP`, `ENAMETOOLONG`...) tells nothing: that entry is not taken for moved.
 */
function findMoved(
  ctx: Ctx,
  ino: number,
  dev: number,
  kind: 'file' | 'dir' | 'symlink',
  claims: Claims,
): EntryRow | undefined {
  const library = ctx.deps.library!;
  for (const candidate of findByInode(library, ctx.state.locationId!, ino, dev)) {
    if (candidate.kind !== kind || candidate.parentId === null) continue;
    if (claims.moved.has(candidate.id) || claims.taken.has(candidate.id)) continue;
    let old: { ino: number; dev: number } | undefined;
    try {
      old = fs.lstatSync(oldPathOf(library, candidate, claims), { throwIfNoEntry: false });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code !== 'ENOTDIR') continue;
    }
    if (!old || old.ino !== ino || old.dev !== dev) return candidate;
  }
  return undefined;
}

/**
 * Where `candidate` is now if it did not move: its library path, but under a directory moved in the unwritten
 * batch, that directory's path now (else an entry just found unchanged under a moved directory looks gone
 * from its old path, and a hard link of it took it for moved: two paths for one entry).
 */
function oldPathOf(library: Library, candidate: EntryRow, claims: Claims): Buffer {
  if (claims.movedDirs.size === 0) return pathOf(library, candidate.id);
  const names: Buffer[] = [candidate.name];
  for (let id = candidate.parentId; id !== null; ) {
    const moved = claims.movedDirs.get(id);
    if (moved !== undefined) {
      let path = moved;
      for (let i = names.length - 1; i >= 0; i--) path = joinBytes(path, names[i]);
      return path;
    }
    const parent = getEntry(library, id);
    if (parent === undefined || parent.parentId === null) break;
    names.push(parent.name);
    id = parent.parentId;
  }
  return pathOf(library, candidate.id);
}
