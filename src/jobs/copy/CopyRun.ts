import fs from 'node:fs';
import { Continue } from '../../phases/outcomes.js';
import { PausedError, PhaseError } from '../../phases/PhaseError.js';
import type { PhaseContext, PhaseOutput } from '../../phases/types.js';
import { toError } from '../../phases/toError.js';
import { displayPath, joinBytes } from '../fs/paths.js';
import { asBuffer, basenameBytes, dirnameBytes, tempPathFor } from '../fs/bytePaths.js';
import { CopyConflictError } from './CopyConflictError.js';
import { conflictName } from './conflictName.js';
import { isNoSpace } from './noSpace.js';
import {
  type Identity,
  identityAt,
  placeNoClobber,
  placeOverwrite,
  removeName,
  sameIdentity,
  swapPathFor,
} from './placeFile.js';
import { RealDirs } from './realDirs.js';
import { recordFailure } from './recordFailure.js';
import type { CopyDeps, CopyInput, CopyState, HookItem, PlanItem } from './types.js';
import { placedCopyMatches } from './verifyPlaced.js';
import {
  copyInChunks,
  copySmallFile,
  createTemp,
  copySymlink,
  type Finish,
  type SmallCopier,
  sameContent,
  sameSmallContent,
  smallCopier,
  reopenPartial,
  syncDirectory,
  syncFilesystem,
  truncateTemp,
} from './writeFiles.js';
import { planItems } from './jobPlans.js';

type Ctx = PhaseContext<CopyState, CopyInput, CopyDeps>;
/** A plan item as read from the library (paths as Buffers). */
export type Item = PlanItem & { src: Buffer; dst: Buffer };

/** The source as it was when its bytes were read: a move removes it only if it is still that file. */
interface SourceSeen {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/** What became of one item of a batch; counted (and its failure recorded) when the batch commits. */
type Outcome =
  | { kind: 'dir' }
  /** `id`: the file written, from its descriptor (its final name is checked against it); `source`: a move's only. */
  | { kind: 'written'; tmp: Buffer; id: Identity | undefined; source: SourceSeen | undefined }
  | { kind: 'placed'; tmp: Buffer; id: Identity | undefined; source: SourceSeen | undefined; dst: Buffer }
  /** Put in place by a killed run (its witness found at resume). */
  | { kind: 'own'; tmp: Buffer; id: Identity | undefined }
  | { kind: 'skipped' }
  /** `witness`: the copy was put in place (its temporary name is a second link of it) and then kept out of
   * the move (its source kept): the witness is dropped with the others once the item is checkpointed. */
  | { kind: 'failed'; error: unknown; op: string; witness?: boolean };

/** Thrown inside the runner when the destination is full: the batch commits what is done, then the job pauses. */
class NoSpace extends Error {
  constructor(
    readonly item: Item,
    readonly error: unknown,
  ) {
    super(toError(error).message);
  }
}

const DEFAULT_CHUNK = 64 * 1024 * 1024;

/**
 * One run of the copying phase, from the checkpointed cursor to the end of the plan. See `copying.ts` for the
 * order of steps and what each kill leaves; `placeFile.ts` for how a copy takes its final name.
 */
export class CopyRun {
  readonly state: CopyState;
  readonly input: CopyInput;
  readonly chunkSize: number;
  readonly batchSize: number;
  readonly durable: boolean;
  readonly verify: boolean;
  readonly move: boolean;
  readonly copier: SmallCopier;
  /** Seqs of items after the cursor that a killed run had already put in place (found by their witness). */
  readonly own = new Set<number>();
  /** Directories below the destination root checked (this batch) to be real directories, not symlinks. */
  readonly realDirs: RealDirs;

  constructor(readonly ctx: Ctx) {
    const { state, input } = ctx;
    this.state = state;
    this.input = input;
    this.chunkSize = input.chunkSize ?? DEFAULT_CHUNK;
    this.batchSize = input.batchSize ?? 1000;
    this.move = input.move === true;
    // A move removes sources: their copies must be on disk first, whatever `durable` says.
    this.durable = input.durable !== false || this.move;
    this.verify = input.verify === true || (this.move && state.roots.some((r) => !r.sameDevice));
    this.copier = smallCopier();
    this.copier.hash = this.verify;
    this.realDirs = new RealDirs(
      state.roots.length > 0 ? dirnameBytes(asBuffer(state.roots[0].dst)) : Buffer.from('/'),
    );
    state.bytesPassed ??= state.counts.bytes;
    state.linked ??= null;
    state.partial ??= null;
    state.renaming ??= null;
    for (const key of ['failed', 'restarted', 'noSpacePauses'] as const) state.counts[key] ??= 0;
  }

  async run(): Promise<PhaseOutput> {
    const { state, ctx } = this;
    if (state.makeDestination) fs.mkdirSync(asBuffer(state.makeDestination), { recursive: true });
    if (!state.copyingStarted) {
      // Nothing of an earlier run is on disk: say so before writing anything, and skip the recovery checks.
      state.copyingStarted = true;
      await ctx.checkpoint({ force: true });
    } else await this.recover();
    this.progress();

    let batch: Item[] = [];
    let batchBytes = 0;
    let fetched = state.cursor;
    for (;;) {
      const page = planItems(ctx.deps.library, ctx.jobId, fetched, 1000) as Item[];
      if (page.length === 0) break;
      fetched = page[page.length - 1].seq;
      for (const item of page) {
        const alone = item.kind === 'rename' || (item.kind === 'file' && item.size > this.chunkSize);
        if (alone || batch.length >= this.batchSize || batchBytes + item.size > this.chunkSize) {
          await this.flush(batch);
          batch = [];
          batchBytes = 0;
        }
        if (alone) {
          await this.alone(item);
          continue;
        }
        batch.push(item);
        batchBytes += item.size;
      }
    }
    await this.flush(batch);
    return Continue;
  }

  /**
   * After a kill or pause: remove the witnesses of items the last checkpoint recorded done, find the items
   * after the cursor that the killed run already put in place (their witness and final name are one file),
   * and count the bytes it wrote past its checkpoint, which this run writes again.
   */
  async recover(): Promise<void> {
    const { state, ctx } = this;
    const library = ctx.deps.library;
    if (state.linked) {
      const { from, to } = state.linked;
      for (let after = from - 1; after < to; ) {
        const items = planItems(library, ctx.jobId, after, 1000) as Item[];
        if (items.length === 0) break;
        for (const item of items) if (item.seq <= to) this.removeTemps(item);
        after = items[items.length - 1].seq;
      }
      state.linked = null;
    }
    let redone = 0;
    let bytes = 0;
    const items = planItems(library, ctx.jobId, state.cursor, this.batchSize) as Item[];
    for (const [i, item] of items.entries()) {
      const large = item.kind === 'file' && item.size > this.chunkSize;
      if (i > 0 && (large || item.kind === 'rename' || bytes + item.size > this.chunkSize)) break;
      bytes += item.size;
      if (item.kind === 'file' || item.kind === 'symlink') {
        const tmp = this.tmpOf(item);
        const st = fs.lstatSync(tmp, { throwIfNoEntry: false });
        if (st && sameIdentity({ dev: st.dev, ino: st.ino }, identityAt(item.dst))) this.own.add(item.seq);
        else if (st?.isFile()) redone += large ? Math.max(0, st.size - state.offset) : st.size;
      }
      if (large || item.kind === 'rename') break;
    }
    if (redone > 0) {
      // Saved at once: a second kill before the next checkpoint must not lose the count.
      state.counts.rewritten += redone;
      await ctx.checkpoint({ force: true });
    }
  }

  // ----------------------------------------------------------------------------------------- small files

  /**
   * One batch of small items: write each under its temporary name, flush the data once, give each its final
   * name (never over a path that appeared), flush the directories, remove the sources of a move, then commit:
   * count, move the cursor, checkpoint, and drop the witnesses. A full destination stops the batch where it
   * happened: what came before commits, what came after is redone on resume, and the job pauses.
   */
  async flush(items: Item[]): Promise<void> {
    if (items.length === 0) return;
    const outcomes: Outcome[] = [];
    let full: NoSpace | null = null;
    // Checked again for each batch: a directory swapped for a symlink between batches (or while the job was
    // paused or killed) is found before anything is written through it.
    this.realDirs.clear();
    for (const item of items) {
      try {
        this.checkDirectories(item);
        outcomes.push(await this.write(item));
      } catch (error) {
        if (isInterrupt(error) || error instanceof CopyConflictError) throw error;
        if (isNoSpace(error)) {
          this.removeTemps(item);
          full = new NoSpace(item, error);
          break;
        }
        outcomes.push({ kind: 'failed', error, op: 'copy' });
      }
    }
    const written = outcomes.flatMap((o) => (o.kind === 'written' ? [o.tmp] : []));
    if (this.durable && written.length > 0) syncFilesystem(dirnameBytes(items[0].dst), written);
    let stop = outcomes.length;
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i];
      if (o.kind !== 'written') continue;
      try {
        outcomes[i] = await this.place(items[i], o);
      } catch (error) {
        if (isNoSpace(error)) {
          full = new NoSpace(items[i], error);
          stop = i;
          break;
        }
        if (error instanceof CopyConflictError) throw error;
        removeName(o.tmp);
        outcomes[i] = { kind: 'failed', error, op: 'copy' };
      }
    }
    // What was written past a full disk is redone on resume: free its space now.
    for (let i = stop; i < outcomes.length; i++)
      if (outcomes[i].kind === 'written') this.removeTemps(items[i]);
    outcomes.length = stop;
    if (this.durable) {
      const dirs = new Set<string>();
      for (const [i, o] of outcomes.entries()) {
        if (o.kind === 'placed') dirs.add(dirnameBytes(o.dst).toString('latin1'));
        if (o.kind === 'own') dirs.add(dirnameBytes(items[i].dst).toString('latin1'));
      }
      for (const dir of dirs) syncDirectory(Buffer.from(dir, 'latin1'));
    }
    if (this.move)
      for (let i = 0; i < outcomes.length; i++) outcomes[i] = this.removeSource(items[i], outcomes[i]);
    await this.commit(items.slice(0, stop), outcomes, full);
  }

  /** Write one small item under its temporary name (or create a directory). */
  async write(item: Item): Promise<Outcome> {
    if (item.kind === 'dir') {
      this.makeDirectory(item);
      return { kind: 'dir' };
    }
    const tmp = this.tmpOf(item);
    if (this.own.has(item.seq)) return { kind: 'own', tmp, id: identityAt(tmp)! };
    const source = this.move ? this.seeSource(item) : undefined;
    const finish = this.finishOf(item);
    // The file written, by its descriptor (a symlink, which has none, by lstat as soon as it is made): its
    // final name is checked against it before the item counts as placed (and before a move removes a source).
    let id: Identity | undefined;
    if (item.kind === 'symlink') {
      copySymlink(item.src, tmp, finish);
      id = identityAt(tmp);
    } else {
      id = copySmallFile(item.src, tmp, finish, this.copier);
      if (this.verify)
        await this.verifyOrRetry(
          item,
          tmp,
          async () => {
            id = copySmallFile(item.src, tmp, finish, this.copier);
          },
          () => sameSmallContent(item.src, tmp, this.copier, id),
        );
    }
    return { kind: 'written', tmp, id, source };
  }

  /**
   * Make a planned directory (mode 0700 until complete). Never through a symlink: what is found at its path
   * must be a real directory (a merge, or this job's own from a killed run); a symlink or other non-directory
   * there (planned `overwrite`, or one that appeared since the plan) is replaced under `overwrite` — the link
   * itself is unlinked, never followed — and is a conflict that stops the job under any other policy.
   */
  makeDirectory(item: Item): void {
    try {
      fs.mkdirSync(item.dst, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const there = fs.lstatSync(item.dst);
      if (!there.isDirectory()) {
        const policy = this.input.onConflict ?? 'abort';
        if (item.action !== 'overwrite') {
          this.ctx.log(
            `${displayPath(item.dst)} is not a directory (it appeared after the plan was made; --on-conflict ${policy})`,
            { path: displayPath(item.dst) },
          );
          if (policy !== 'overwrite') throw new CopyConflictError(displayPath(item.dst), 'not-a-directory');
          this.state.counts.overwritten++;
        }
        fs.unlinkSync(item.dst);
        fs.mkdirSync(item.dst, { mode: 0o700 });
      }
    }
    this.realDirs.add(item.dst);
  }

  /**
   * The directories between the destination root and an item must be real directories (lstat, cached per
   * batch): one swapped for a symlink would lead the copy outside the destination. Such a path stops the job.
   */
  checkDirectories(item: Item): void {
    const bad = this.realDirs.notADirectoryAbove(item.dst);
    if (bad === undefined) return;
    this.ctx.log(`${displayPath(bad)} is no longer a directory: nothing is written through it`, {
      path: displayPath(bad),
    });
    throw new CopyConflictError(displayPath(bad), 'not-a-directory');
  }

  /**
   * Give a written copy its final name. Planned `overwrite`: replace what is there. Planned into a free path:
   * the no-clobber link, and if something appeared there since the plan, the conflict policy decides. Then
   * the name must be the file written (device and inode, taken from its descriptor when it was written): the
   * temporary name is linked by path, and someone who can write the destination could have swapped it for a
   * file of theirs. If it is not, the item fails (a move keeps its source) and what is there is left alone.
   */
  async place(item: Item, o: Outcome & { kind: 'written' }): Promise<Outcome> {
    const hooks = this.ctx.deps.hooks;
    await hooks?.beforePlace?.(hookItem(item));
    let dst: Buffer | null = item.dst;
    if (item.action === 'overwrite') placeOverwrite(o.tmp, dst);
    else if (placeNoClobber(o.tmp, dst) === 'exists') dst = this.conflict(item, o.tmp);
    if (dst === null) return { kind: 'skipped' };
    if (!sameIdentity(identityAt(dst), o.id)) {
      const message = `${displayPath(dst)} is not the copy written: its temporary name was replaced before it took its final name. What is there was left alone.`;
      this.ctx.log(message, { path: displayPath(dst) });
      // The temporary name (now another's) is dropped with the witnesses once the item is checkpointed.
      return { kind: 'failed', error: new Error(message), op: 'copy', witness: true };
    }
    await hooks?.afterPlace?.(hookItem(item));
    return { kind: 'placed', tmp: o.tmp, id: o.id, source: o.source, dst };
  }

  /**
   * A path appeared at `item.dst` after the plan was made (while the job ran, was paused, or was killed): it
   * is never taken for this job's copy. The policy decides; returns where the copy went, or null (skipped).
   */
  conflict(item: Item, tmp: Buffer): Buffer | null {
    const { ctx, state } = this;
    const policy = this.input.onConflict ?? 'abort';
    ctx.log(`${displayPath(item.dst)} appeared after the plan was made (--on-conflict ${policy})`, {
      path: displayPath(item.dst),
    });
    switch (policy) {
      case 'abort':
        removeName(tmp);
        throw new CopyConflictError(displayPath(item.dst));
      case 'skip':
        removeName(tmp);
        state.counts.skipped++;
        return null;
      case 'overwrite':
        placeOverwrite(tmp, item.dst);
        state.counts.overwritten++;
        return item.dst;
      case 'rename': {
        const dir = dirnameBytes(item.dst);
        const name = basenameBytes(item.dst);
        for (let n = 1; ; n++) {
          const candidate = joinBytes(dir, conflictName(name, n));
          if (placeNoClobber(tmp, candidate) === 'placed') {
            state.counts.conflictsRenamed++;
            return candidate;
          }
        }
      }
    }
  }

  /**
   * A move across devices: remove the source once its own copy is at the destination — the file there is the
   * one written (device and inode), its content was verified on that very file (before it took its name, or
   * here for a copy a killed run placed), it is flushed (data, then directory), and the source is still the
   * file that was read. Anything else keeps the source and records why.
   */
  removeSource(item: Item, o: Outcome): Outcome {
    if (o.kind !== 'placed' && o.kind !== 'own') return o;
    const dst = o.kind === 'placed' ? o.dst : item.dst;
    const src = fs.lstatSync(item.src, { throwIfNoEntry: false });
    if (!src) {
      // Only a killed run of this job, after these same checks, removed it.
      if (o.kind === 'own') this.state.counts.sourcesRemoved++;
      return o;
    }
    let why: string | null = null;
    if (!o.id || !sameIdentity(identityAt(dst), o.id))
      why = `the file at ${displayPath(dst)} is not the copy written`;
    else if (o.kind === 'placed' && o.source && changed(src, o.source))
      why = `${displayPath(item.src)} changed while it was copied`;
    else if (o.kind === 'own' && !placedCopyMatches(item.src, dst, o.id, item.kind === 'symlink'))
      why = `the copy at ${displayPath(dst)} differs from its source`;
    if (why !== null)
      return { kind: 'failed', error: new Error(`Source kept: ${why}.`), op: 'move', witness: true };
    fs.rmSync(item.src, { force: true });
    this.state.counts.sourcesRemoved++;
    return o;
  }

  /** Count a batch's outcomes, move the cursor past it, checkpoint, then drop the witnesses. */
  async commit(items: Item[], outcomes: Outcome[], full: NoSpace | null): Promise<void> {
    const { state, ctx } = this;
    for (const [i, item] of items.entries()) {
      const o = outcomes[i];
      if (o.kind === 'failed') this.fail(item, o.error, o.op);
      else if (o.kind !== 'skipped') countDone(state, item);
      if (o.kind === 'placed' && this.verify && item.kind === 'file') state.counts.verified++;
      if (item.kind === 'file') state.bytesPassed = (state.bytesPassed ?? 0) + item.size;
    }
    const witnesses = outcomes.flatMap((o, i) =>
      o.kind === 'placed' || o.kind === 'own' || (o.kind === 'failed' && o.witness) ? [items[i]] : [],
    );
    if (items.length > 0) {
      state.cursor = items[items.length - 1].seq;
      state.offset = 0;
      state.partial = null;
      state.linked =
        witnesses.length > 0 ? { from: witnesses[0].seq, to: witnesses[witnesses.length - 1].seq } : null;
    }
    for (const item of items) this.own.delete(item.seq);
    if (full) state.counts.noSpacePauses++;
    // Reported before the checkpoint, so the figures it saves are these: a resumed run's rate starts from them.
    this.progress();
    await ctx.checkpoint({ force: true });
    await ctx.deps.hooks?.afterCommit?.(state.cursor);
    for (const item of witnesses) this.removeTemps(item);
    state.linked = null;
    if (full) this.pauseForSpace(full);
    ctx.checkInterrupt();
  }

  pauseForSpace(full: NoSpace): never {
    const message =
      `The destination is full (${(full.error as NodeJS.ErrnoException).code}) at ${displayPath(full.item.dst)}: ` +
      'the job paused with everything before it copied and nothing half-written left. Free some space, then resume it.';
    this.ctx.log(message, { path: displayPath(full.item.dst) });
    // Shown as a warning where the job runs (the pause itself carries no text to the CLI); not a failed path.
    this.ctx.addNonFatalError(new Error(message), { path: displayPath(full.item.dst), op: 'no-space' });
    throw new PausedError(message, { details: { reason: 'no-space', path: displayPath(full.item.dst) } });
  }

  // ------------------------------------------------------------------- large files and one-step moves

  /** An item that goes on its own: a large file (in chunks) or a whole source moved with one rename. */
  async alone(item: Item): Promise<void> {
    let outcome: Outcome;
    this.realDirs.clear();
    this.checkDirectories(item);
    try {
      outcome = item.kind === 'rename' ? await this.renameSource(item) : await this.copyLarge(item);
    } catch (error) {
      if (isInterrupt(error) || error instanceof CopyConflictError) throw error;
      if (error instanceof NoSpace) {
        await this.commit([], [], error);
        return;
      }
      if (item.kind === 'file') this.removeTemps(item);
      outcome = { kind: 'failed', error, op: item.kind === 'rename' ? 'rename' : 'copy' };
    }
    if (this.move && item.kind !== 'rename') outcome = this.removeSource(item, outcome);
    await this.commit([item], [outcome], null);
  }

  /**
   * A file larger than a chunk, copied in chunks with its offset checkpointed after each. A resumed copy goes
   * on inside its temporary file only if the source is still the file whose bytes are there (device, inode,
   * size, mtime); else it starts again from byte 0 and says so (`restarted`).
   */
  async copyLarge(item: Item): Promise<Outcome> {
    const { state, ctx } = this;
    const tmp = this.tmpOf(item);
    if (this.own.has(item.seq)) {
      if (this.durable) syncDirectory(dirnameBytes(item.dst));
      return { kind: 'own', tmp, id: identityAt(tmp)! };
    }
    const st = fs.lstatSync(item.src, { throwIfNoEntry: false });
    if (!st) throw new Error(`The source ${displayPath(item.src)} disappeared during the copy.`);
    // Going on inside the temporary file: it is reopened without following a symlink or waiting on a FIFO
    // put at its name, and what is checked (a regular file holding the checkpointed bytes) is what is written.
    let output = state.offset > 0 ? reopenPartial(tmp, state.offset) : undefined;
    if (output !== undefined) {
      const p = state.partial;
      const same =
        st.size === item.size &&
        st.mtimeMs === item.mtimeMs &&
        (!p || (p.seq === item.seq && p.dev === st.dev && p.ino === st.ino && p.mtimeMs === st.mtimeMs));
      if (!same) {
        fs.closeSync(output);
        output = undefined;
        state.counts.restarted++;
        ctx.log(
          `${displayPath(item.src)} changed while the job was stopped: its copy starts again from byte 0`,
          { path: displayPath(item.src) },
        );
      }
    }
    if (output === undefined) {
      state.offset = 0;
      state.partial = { seq: item.seq, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
      output = createTemp(tmp);
    }
    // The source as it is now (a restarted file has new times and maybe a new mode), not as planned.
    const finish = {
      ...this.finishOf(item),
      mode: st.mode & 0o7777,
      atimeMs: st.atimeMs,
      mtimeMs: st.mtimeMs,
    };
    const hooks = ctx.deps.hooks;
    const base = state.bytesPassed ?? 0;
    let inFile = state.offset;
    let written: Identity;
    try {
      written = await copyInChunks(
        item.src,
        output,
        state.offset,
        this.chunkSize,
        finish,
        async (offset) => {
          state.offset = offset;
          await ctx.checkpoint({ force: true });
          await hooks?.afterChunk?.(hookItem(item), offset);
          ctx.checkInterrupt();
        },
        (n) => {
          inFile += n;
          this.progress(base + inFile, displayPath(item.dst));
        },
      );
    } catch (error) {
      if (!isNoSpace(error)) throw error;
      // Keep what the checkpoint says is there, and free the rest (never through a symlink put at the name).
      truncateTemp(tmp, state.offset);
      throw new NoSpace(item, error);
    }
    if (this.verify)
      await this.verifyOrRetry(item, tmp, async () => {
        written = await copyInChunks(
          item.src,
          createTemp(tmp),
          0,
          Number.MAX_SAFE_INTEGER,
          finish,
          async () => {},
          () => {},
        );
      });
    // The name must still be the file written: a symlink or another file put there is never placed.
    if (!sameIdentity(identityAt(tmp), written))
      throw new Error(`The temporary file of ${displayPath(item.dst)} was replaced while it was written.`);
    const p = state.partial;
    const id = written;
    const source = p ? { dev: p.dev, ino: p.ino, size: p.size, mtimeMs: p.mtimeMs } : undefined;
    const placed = await this.place(item, { kind: 'written', tmp, id, source });
    if (placed.kind === 'placed' && this.durable) syncDirectory(dirnameBytes(placed.dst));
    return placed;
  }

  /**
   * A move on one device: the whole source with one step. Its identity is checkpointed first, so a resumed
   * job knows its own rename from a path that appeared. A file or symlink is linked (no clobber) then unlinked;
   * a directory is renamed after checking that nothing is at the destination.
   */
  async renameSource(item: Item): Promise<Outcome> {
    const { state, ctx } = this;
    const r = state.renaming;
    if (r && r.seq === item.seq) {
      const src = identityAt(item.src);
      const dst = identityAt(item.dst);
      if (sameIdentity(dst, r) && (!src || sameIdentity(src, r))) {
        if (src) fs.unlinkSync(item.src);
        state.counts.renamed++;
        state.renaming = null;
        return { kind: 'skipped' };
      }
    }
    const st = fs.lstatSync(item.src, { throwIfNoEntry: false });
    if (!st) throw new Error(`The source ${displayPath(item.src)} disappeared before it was moved.`);
    state.renaming = { seq: item.seq, dev: st.dev, ino: st.ino };
    await ctx.checkpoint({ force: true });
    let dst = item.dst;
    const taken = () => fs.lstatSync(dst, { throwIfNoEntry: false }) !== undefined;
    if (item.action !== 'overwrite' && taken()) {
      const policy = this.input.onConflict ?? 'abort';
      if (policy === 'abort') throw new CopyConflictError(displayPath(dst));
      if (policy === 'skip') {
        state.counts.skipped++;
        state.renaming = null;
        return { kind: 'skipped' };
      }
      if (policy === 'rename') {
        for (let n = 1; taken(); n++)
          dst = joinBytes(dirnameBytes(item.dst), conflictName(basenameBytes(item.dst), n));
        state.counts.conflictsRenamed++;
      } else state.counts.overwritten++;
    }
    if (st.isDirectory()) {
      if (item.action !== 'overwrite' && taken()) throw new CopyConflictError(displayPath(dst));
      fs.renameSync(item.src, dst);
    } else if (item.action === 'overwrite' || (this.input.onConflict === 'overwrite' && taken())) {
      fs.renameSync(item.src, dst);
    } else if (placeNoClobber(item.src, dst) === 'exists') throw new CopyConflictError(displayPath(dst));
    else if (fs.lstatSync(item.src, { throwIfNoEntry: false })) fs.unlinkSync(item.src);
    state.counts.renamed++;
    state.renaming = null;
    return { kind: 'skipped' };
  }

  // -------------------------------------------------------------------------------------------- helpers

  async verifyOrRetry(
    item: Item,
    tmp: Buffer,
    again: () => Promise<void>,
    same: () => Promise<boolean> | boolean = () => sameContent(item.src, tmp),
  ): Promise<void> {
    // Counted when the item commits (placed), so work a full disk makes this run redo is counted once.
    if (await same()) return;
    await again();
    if (await same()) return;
    fs.rmSync(tmp, { force: true });
    throw new Error(
      `Verification failed twice: ${displayPath(item.dst)} differs from ${displayPath(item.src)} (BLAKE3). It was not put in place.`,
    );
  }

  /** For a move: the source as it is before its bytes are read. */
  seeSource(item: Item): SourceSeen {
    const st = fs.lstatSync(item.src, { throwIfNoEntry: false });
    if (!st) throw new Error(`The source ${displayPath(item.src)} disappeared during the copy.`);
    return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  }

  fail(item: Item, error: unknown, op: string): void {
    recordFailure(this.ctx, error, displayPath(item.src), op);
  }

  tmpOf(item: PlanItem): Buffer {
    return tempPathFor(item.dst, this.ctx.jobId, item.seq);
  }

  /** Remove an item's temporary names (its file or witness, and the swap link of an overwrite). */
  removeTemps(item: PlanItem): void {
    if (item.kind !== 'file' && item.kind !== 'symlink') return;
    const tmp = this.tmpOf(item);
    removeName(tmp);
    // Only an overwrite makes a swap link: spare the other items a failing unlink each.
    if (item.action === 'overwrite' || this.input.onConflict === 'overwrite') removeName(swapPathFor(tmp));
  }

  finishOf(item: Item): Finish {
    return {
      mode: item.mode,
      atimeMs: item.atimeMs,
      mtimeMs: item.mtimeMs,
      preserveTimestamps: this.input.preserveTimestamps !== false,
      durable: this.durable,
    };
  }

  /**
   * Progress in files (the count) and bytes (shown once, as bytes); the phase's percent follows the bytes.
   */
  progress(bytes = this.state.bytesPassed ?? 0, message?: string): void {
    const { state } = this;
    const total = state.totals.bytes;
    this.ctx.reportProgress({
      completed: state.counts.files,
      total: state.totals.files,
      bytesCompleted: bytes,
      bytesTotal: total,
      percent:
        total > 0
          ? (bytes / total) * 100
          : state.totals.items > 0
            ? (state.cursor / state.totals.items) * 100
            : 100,
      message: message ?? `${state.counts.files}/${state.totals.files} files`,
    });
  }
}

function isInterrupt(error: unknown): boolean {
  return error instanceof PhaseError && (error.kind === 'paused' || error.kind === 'cancelled');
}

function changed(now: fs.Stats, seen: SourceSeen): boolean {
  return (
    now.dev !== seen.dev || now.ino !== seen.ino || now.size !== seen.size || now.mtimeMs !== seen.mtimeMs
  );
}

function hookItem(item: Item): HookItem {
  return { seq: item.seq, src: item.src, dst: item.dst };
}

function countDone(state: CopyState, item: PlanItem): void {
  if (item.kind === 'file') {
    state.counts.files++;
    state.counts.bytes += item.size;
  } else if (item.kind === 'dir') state.counts.dirs++;
  else if (item.kind === 'symlink') state.counts.symlinks++;
}
