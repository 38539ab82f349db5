import fs from 'node:fs';
import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import type { PhaseContext } from '../../../phases/types.js';
import type { EntryRow, EntryUpdate, NewEntry } from '../../library/types.js';
import { parseGitignore, type IgnorePattern } from '../gitignore.js';
import { displayPath, extensionOf, joinBytes } from '../../fs/paths.js';
import { DEFAULT_RULES, ruleVerdict } from '../rules.js';
import type { IndexerDeps, IndexerInput, IndexerState, PendingDir } from '../types.js';
import { openLocation, reserveIds } from './openLocation.js';
import { setContentIds } from '../../library/contentIdentities.js';
import { findByInode, insertEntries, pathOf, updateEntries } from '../../library/entries.js';
import { type KnownChild, knownChildren } from '../indexerQueries.js';

type Ctx = PhaseContext<IndexerState, IndexerInput, IndexerDeps>;

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
    if (state.stack.length === 0 && state.counts.dirs === 0) {
      openLocation(ctx);
      await ctx.checkpoint({ force: true });
    }
    const rules = { ...DEFAULT_RULES, ...input.rules };
    const batchSize = input.batchSize ?? 1000;
    const recursive = (input.scope ?? 'recursive') === 'recursive';
    const compiled = new Map<string, IgnorePattern[]>();
    let batch: Batch = { inserts: [], updates: [], cleared: [] };
    let pending = 0;

    const flush = async () => {
      const { inserts, updates, cleared } = batch;
      batch = { inserts: [], updates: [], cleared: [] };
      pending = 0;
      // An ephemeral index keeps its entries in the state: checkpoint it on the usual throttle, not per batch.
      await ctx.checkpoint({
        force: library !== undefined,
        ...(library
          ? {
              atomicWith: () => {
                if (inserts.length) insertEntries(library, inserts);
                if (updates.length) updateEntries(library, updates);
                if (cleared.length)
                  setContentIds(
                    library,
                    cleared.map((id) => ({ id, contentId: null })),
                  );
              },
            }
          : {}),
      });
      // Only between batches: the state in memory then matches what is committed.
      ctx.checkInterrupt();
    };

    const nextId = () => {
      if (state.nextId >= state.endId) reserveIds(ctx, Math.max(batchSize, 1024));
      return state.nextId++;
    };

    const ignoresFor = (rel: string) => {
      if (!rules.gitignore) return [];
      const out: { base: string; patterns: IgnorePattern[] }[] = [];
      const parts = rel === '' ? [] : rel.split('/');
      for (let i = 0; i <= parts.length; i++) {
        const base = parts.slice(0, i).join('/');
        const text = state.gitignores[base];
        if (text === undefined) continue;
        let patterns = compiled.get(base);
        if (!patterns) {
          patterns = parseGitignore(text);
          compiled.set(base, patterns);
        }
        out.push({ base, patterns });
      }
      return out;
    };

    let sinceYield = 0;
    while (state.stack.length > 0) {
      const dir = state.stack.pop()!;
      const before = state.stack.length;
      sinceYield += readDirectory(ctx, dir, { rules, recursive, nextId, ignoresFor, batch });
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
    await flush();
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
  rules: typeof DEFAULT_RULES;
  recursive: boolean;
  nextId: () => number;
  ignoresFor: (rel: string) => { base: string; patterns: IgnorePattern[] }[];
  batch: Batch;
}

/** Read one directory and diff it against the library; returns how many entries it had. */
function readDirectory(ctx: Ctx, dir: PendingDir, tools: WalkTools): number {
  const { state, input } = ctx;
  const library = input.ephemeral ? undefined : ctx.deps.library;
  const { rules, batch } = tools;
  const counts = state.counts;
  let dirents: fs.Dirent<Buffer>[];
  try {
    dirents = fs.readdirSync(Buffer.from(dir.path), { withFileTypes: true, encoding: 'buffer' });
  } catch (error) {
    // Unreadable: keep what the library knows of it, report, and go on with the rest of the tree.
    ctx.addNonFatalError(error, { path: displayPath(dir.path), op: 'readdir' });
    return 0;
  }
  if (rules.gitignore && dirents.some((d) => d.name.toString() === '.gitignore')) {
    try {
      state.gitignores[dir.rel] = fs.readFileSync(joinBytes(dir.path, Buffer.from('.gitignore')), 'utf8');
    } catch (error) {
      ctx.addNonFatalError(error, { path: `${displayPath(dir.path)}/.gitignore`, op: 'read' });
    }
  }
  const ignores = tools.ignoresFor(dir.rel);
  const existing = new Map<string, KnownChild>();
  if (library && !dir.fresh && !state.cold) {
    for (const row of knownChildren(library, state.locationId!, dir.id)) {
      existing.set(row.name.toString('latin1'), row);
    }
  }
  for (const dirent of dirents) {
    const name = dirent.name;
    const key = name.toString('latin1');
    const nameText = name.toString('utf8');
    const full = joinBytes(dir.path, name);
    const rel = dir.rel === '' ? nameText : `${dir.rel}/${nameText}`;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(full);
    } catch (error) {
      ctx.addNonFatalError(error, { path: displayPath(full), op: 'lstat' });
      existing.delete(key); // can't tell: keep the library's entry as it is
      continue;
    }
    const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : null;
    const extension = kind === 'file' || kind === 'symlink' ? extensionOf(nameText) : null;
    if (kind === null || ruleVerdict(rules, nameText, rel, kind, extension, ignores) !== null) {
      // Sockets, FIFOs and devices are never indexed; ruled-out entries leave the library (stay in `existing`).
      counts.skipped++;
      continue;
    }
    if (kind === 'file') {
      counts.files++;
      counts.bytes += st.size;
    } else if (kind === 'dir') counts.dirs++;
    else counts.symlinks++;
    const size = kind === 'dir' ? 0 : st.size;
    const symlinkTarget = kind === 'symlink' ? readLink(ctx, full) : null;

    if (input.ephemeral) {
      const id = state.entries.length;
      state.entries.push({
        id,
        parentId: dir.id,
        path: displayPath(full),
        name,
        kind,
        size,
        mtimeMs: st.mtimeMs,
        inode: st.ino,
      });
      counts.new++;
      if (kind === 'dir' && tools.recursive) state.stack.push({ id, path: full, rel, fresh: true });
      continue;
    }
    const known = existing.get(key);
    if (known && known.kind === kind) {
      existing.delete(key);
      if (known.size !== size || known.mtimeMs !== st.mtimeMs || known.inode !== st.ino) {
        batch.updates.push({
          id: known.id,
          size,
          mtimeMs: st.mtimeMs,
          ctimeMs: st.ctimeMs,
          inode: st.ino,
          device: st.dev,
          mode: st.mode,
          ...(kind === 'symlink' ? { symlinkTarget } : {}),
          // New content: what was learnt from the old bytes no longer holds.
          ...(kind === 'file' ? { mime: null, width: null, height: null, orientation: null } : {}),
        });
        if (kind === 'file') batch.cleared.push(known.id);
        if (kind !== 'dir') counts.modified++;
        else counts.unchanged++;
      } else counts.unchanged++;
      if (kind === 'dir' && tools.recursive)
        state.stack.push({ id: known.id, path: full, rel, fresh: false });
      continue;
    }
    const moved = !state.cold ? findMoved(ctx, st, kind) : undefined;
    if (moved) {
      batch.updates.push({
        id: moved.id,
        parentId: dir.id,
        name,
        nameText,
        extension,
        size,
        mtimeMs: st.mtimeMs,
        ctimeMs: st.ctimeMs,
        mode: st.mode,
      });
      const at = state.missing.indexOf(moved.id);
      if (at >= 0) state.missing.splice(at, 1);
      state.moved.push(moved.id);
      counts.moved++;
      if (kind === 'dir' && tools.recursive)
        state.stack.push({ id: moved.id, path: full, rel, fresh: false });
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
      inode: st.ino,
      device: st.dev,
      mtimeMs: st.mtimeMs,
      ctimeMs: st.ctimeMs,
      mode: st.mode,
      symlinkTarget,
    });
    counts.new++;
    if (kind === 'dir' && tools.recursive) state.stack.push({ id, path: full, rel, fresh: true });
  }
  // What the library has here and the disk no longer does (or the rules now leave out).
  // A row moved away earlier in this run may still sit under its old parent until its batch is written.
  for (const row of existing.values()) if (!state.moved.includes(row.id)) state.missing.push(row.id);
  return dirents.length;
}

function readLink(ctx: Ctx, full: Buffer): Buffer | null {
  try {
    return fs.readlinkSync(full, { encoding: 'buffer' });
  } catch (error) {
    ctx.addNonFatalError(error, { path: displayPath(full), op: 'readlink' });
    return null;
  }
}

/**
 * The library entry this new path was moved from: same inode and device, same kind, and its old path no
 * longer holds that inode.
 */
function findMoved(ctx: Ctx, st: fs.Stats, kind: 'file' | 'dir' | 'symlink'): EntryRow | undefined {
  const library = ctx.deps.library!;
  for (const candidate of findByInode(library, ctx.state.locationId!, st.ino, st.dev)) {
    if (candidate.kind !== kind || candidate.parentId === null) continue;
    const old = fs.lstatSync(pathOf(library, candidate.id), { throwIfNoEntry: false });
    if (!old || old.ino !== st.ino || old.dev !== st.dev) return candidate;
  }
  return undefined;
}
