import fs from 'node:fs';
import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { PhaseError } from '../../../phases/PhaseError.js';
import type { PhaseContext } from '../../../phases/types.js';
import { displayPath } from '../../indexer/paths.js';
import { asBuffer, dirnameBytes, tempPathFor } from '../bytePaths.js';
import type { CopyDeps, CopyInput, CopyState, PlanItem } from '../types.js';
import {
  clearTemp,
  copyInChunks,
  copySmallFile,
  copySymlink,
  type Finish,
  sameContent,
  syncDirectory,
  sameSmallContent,
  smallCopier,
  syncFilesystem,
} from '../writeFiles.js';

type Ctx = PhaseContext<CopyState, CopyInput, CopyDeps>;
type Item = PlanItem & { src: Buffer; dst: Buffer };

const DEFAULT_CHUNK = 64 * 1024 * 1024;

/**
 * Carry out the plan from the cursor. Small files go a batch at a time (up to `batchSize` files and
 * `chunkSize` bytes): each is written under its temporary name with the kernel's fast path, then one
 * filesystem flush makes the whole batch durable, then the files are renamed into place, the renames are
 * flushed, and the cursor is checkpointed. A large file goes in chunks, its offset checkpointed after each.
 * So a kill costs at most one chunk (or one batch, kept under a chunk's bytes). Pause is honoured only at
 * those checkpoints, where what is on disk is what the checkpoint says.
 */
export const copying = phase<CopyState, CopyInput, CopyDeps>({
  name: 'copying',
  weight: 20,
  async execute(ctx) {
    const { state, input } = ctx;
    const library = ctx.deps.library;
    const chunkSize = input.chunkSize ?? DEFAULT_CHUNK;
    const batchSize = input.batchSize ?? 1000;
    const durable = input.durable !== false;
    const verify = input.verify === true || (input.move === true && state.roots.some((r) => !r.sameDevice));
    const progress = (message?: string) =>
      ctx.reportProgress({
        completed: state.counts.bytes,
        total: state.totals.bytes,
        bytesCompleted: state.counts.bytes,
        bytesTotal: state.totals.bytes,
        message: message ?? `${state.counts.files}/${state.totals.files} files`,
      });
    const finishOf = (item: Item): Finish => ({
      mode: item.mode,
      atimeMs: item.atimeMs,
      mtimeMs: item.mtimeMs,
      preserveTimestamps: input.preserveTimestamps !== false,
      durable,
    });

    // A fresh start has nothing on disk from an earlier run: say so in a checkpoint before writing anything,
    // and skip the checks below (two stats per file of the first batch).
    const resumed = state.copyingStarted;
    if (!resumed) {
      state.copyingStarted = true;
      await ctx.checkpoint({ force: true });
    } else {
      const redone = rewrittenSinceCheckpoint(ctx, chunkSize, batchSize);
      if (redone > 0) {
        // Saved at once: a second kill before the next checkpoint must not lose the count.
        state.counts.rewritten += redone;
        await ctx.checkpoint({ force: true });
      }
    }

    /**
     * Write one small item under its temporary name; resolves that name, or null when nothing is left to
     * rename (done by an earlier run, or a whole source moved with one rename).
     */
    const copier = smallCopier();
    copier.hash = verify;
    // Only the first batch after the cursor can hold work of a run killed before its checkpoint.
    let first = resumed;
    const writeSmall = async (item: Item): Promise<Buffer | null> => {
      if (first && !fs.lstatSync(item.src, { throwIfNoEntry: false })) {
        if (input.move && fs.lstatSync(item.dst, { throwIfNoEntry: false })) {
          // Moved before a kill, after which the checkpoint did not record it: done already.
          countDone(state, item);
          return null;
        }
        throw new Error(`The source ${displayPath(item.src)} disappeared during the copy.`);
      }
      if (first && alreadyInPlace(item)) {
        if (input.move) removeSource(state, item);
        countDone(state, item);
        return null;
      }
      if (item.kind === 'rename') {
        fs.renameSync(item.src, item.dst);
        state.counts.renamed++;
        return null;
      }
      const tmp = tempPathFor(item.dst, ctx.jobId, item.seq);
      if (item.kind === 'symlink') copySymlink(item.src, tmp, finishOf(item));
      else {
        copySmallFile(item.src, tmp, finishOf(item), copier);
        if (verify)
          await verifyOrRetry(
            item,
            tmp,
            async () => copySmallFile(item.src, tmp, finishOf(item), copier),
            () => sameSmallContent(item.src, tmp, copier),
          );
      }
      return tmp;
    };

    const doDirectory = (item: Item) => {
      if (item.action === 'overwrite') {
        const there = fs.lstatSync(item.dst, { throwIfNoEntry: false });
        if (there && !there.isDirectory()) fs.rmSync(item.dst);
      }
      fs.mkdirSync(item.dst, { recursive: true, mode: 0o700 });
      countDone(state, item);
    };

    const verifyOrRetry = async (
      item: Item,
      tmp: Buffer,
      again: () => Promise<void>,
      same: () => Promise<boolean> | boolean = () => sameContent(item.src, tmp),
    ) => {
      if (await same()) {
        state.counts.verified++;
        return;
      }
      await again();
      if (await same()) {
        state.counts.verified++;
        return;
      }
      fs.rmSync(tmp, { force: true });
      throw new Error(
        `Verification failed twice: ${displayPath(item.dst)} differs from ${displayPath(item.src)} (BLAKE3). It was not put in place.`,
      );
    };

    const guard = async <T>(item: Item, work: () => Promise<T> | T): Promise<T | null> => {
      try {
        return await work();
      } catch (error) {
        // A pause or cancel asked for at a chunk's checkpoint is not this file's error.
        if (error instanceof PhaseError && (error.kind === 'paused' || error.kind === 'cancelled'))
          throw error;
        ctx.addNonFatalError(error, {
          path: displayPath(item.src),
          op: item.kind === 'rename' ? 'rename' : 'copy',
        });
        return null;
      }
    };

    let batch: Item[] = [];
    let batchBytes = 0;
    const flush = async () => {
      const items = batch;
      batch = [];
      batchBytes = 0;
      if (items.length === 0) return;
      const written: { item: Item; tmp: Buffer }[] = [];
      for (const item of items) {
        if (item.kind === 'dir') {
          await guard(item, () => doDirectory(item));
          continue;
        }
        const tmp = await guard(item, () => writeSmall(item));
        if (tmp) written.push({ item, tmp });
      }
      const where = dirnameBytes(items[0].dst);
      // The data of the whole batch on disk before any of it takes its final name.
      if (durable && written.length > 0)
        syncFilesystem(
          where,
          written.map((w) => w.tmp),
        );
      for (const { item, tmp } of written) {
        await guard(item, () => {
          fs.renameSync(tmp, item.dst);
          if (input.move) removeSource(state, item);
          countDone(state, item);
        });
      }
      // The renames on disk before the checkpoint moves past them: an fsync of each directory renamed into
      // (a batch touches few; cheaper than a second syncfs, which costs a process spawn).
      if (durable) {
        for (const dir of new Set(written.map((w) => dirnameBytes(w.item.dst).toString('latin1')))) {
          syncDirectory(Buffer.from(dir, 'latin1'));
        }
      }
      state.cursor = items[items.length - 1].seq;
      state.offset = 0;
      first = false;
      await ctx.checkpoint({ force: true });
      progress();
      ctx.checkInterrupt();
    };

    let fetched = state.cursor;
    for (;;) {
      const page = library.planItems(ctx.jobId, fetched, 1000) as Item[];
      if (page.length === 0) break;
      fetched = page[page.length - 1].seq;
      for (const item of page) {
        if (item.kind === 'file' && item.size > chunkSize) {
          await flush();
          await guard(item, () =>
            copyLarge(ctx, item, chunkSize, finishOf(item), verify, verifyOrRetry, progress),
          );
          state.cursor = item.seq;
          state.offset = 0;
          await ctx.checkpoint({ force: true });
          ctx.checkInterrupt();
          continue;
        }
        if (batch.length >= batchSize || batchBytes + item.size > chunkSize) await flush();
        batch.push(item);
        batchBytes += item.size;
      }
    }
    await flush();
    return Continue;
  },
});

async function copyLarge(
  ctx: Ctx,
  item: Item,
  chunkSize: number,
  finish: Finish,
  verify: boolean,
  verifyOrRetry: (item: Item, tmp: Buffer, again: () => Promise<void>) => Promise<void>,
  progress: () => void,
): Promise<void> {
  const { state, input } = ctx;
  const tmp = tempPathFor(item.dst, ctx.jobId, item.seq);
  if (!fs.lstatSync(item.src, { throwIfNoEntry: false })) {
    if (input.move && fs.lstatSync(item.dst, { throwIfNoEntry: false })) {
      countDone(state, item);
      return;
    }
    throw new Error(`The source ${displayPath(item.src)} disappeared during the copy.`);
  }
  if (alreadyInPlace(item)) {
    if (input.move) removeSource(state, item);
    countDone(state, item);
    return;
  }
  // Go on inside the temporary file from the checkpointed offset (the audit at the start counted what a
  // killed run wrote past it), or start it afresh.
  const there = fs.lstatSync(tmp, { throwIfNoEntry: false });
  if (!(state.offset > 0 && there?.isFile() && there.size >= state.offset)) {
    clearTemp(tmp);
    state.offset = 0;
  }
  const base = state.counts.bytes;
  let inFile = state.offset;
  await copyInChunks(
    item.src,
    tmp,
    state.offset,
    chunkSize,
    finish,
    async (offset) => {
      state.offset = offset;
      await ctx.checkpoint({ force: true });
      ctx.checkInterrupt();
    },
    (n) => {
      inFile += n;
      ctx.reportProgress({
        completed: base + inFile,
        total: state.totals.bytes,
        bytesCompleted: base + inFile,
        bytesTotal: state.totals.bytes,
        message: displayPath(item.dst),
      });
    },
  );
  if (verify)
    await verifyOrRetry(item, tmp, () =>
      copyInChunks(
        item.src,
        tmp,
        0,
        Number.MAX_SAFE_INTEGER,
        finish,
        async () => {},
        () => {},
      ),
    );
  fs.renameSync(tmp, item.dst);
  if (finish.durable) syncDirectory(dirnameBytes(item.dst));
  if (input.move) removeSource(state, item);
  countDone(state, item);
  progress();
}

/**
 * Bytes on disk that a killed run wrote after its last checkpoint (and that this run will write again): the
 * part of a large file's temporary file past the checkpointed offset, or the temporary files of the batch
 * after the cursor. (Copies already renamed into place are not written again: see {@link alreadyInPlace}.)
 * Only the first batch after the cursor can hold any.
 */
function rewrittenSinceCheckpoint(ctx: Ctx, chunkSize: number, batchSize: number): number {
  const { state } = ctx;
  let found = 0;
  let bytes = 0;
  const items = ctx.deps.library.planItems(ctx.jobId, state.cursor, batchSize) as Item[];
  for (const [i, item] of items.entries()) {
    const large = item.kind === 'file' && item.size > chunkSize;
    if (i > 0 && (large || bytes + item.size > chunkSize)) break;
    bytes += item.size;
    if (item.kind !== 'file') continue;
    const tmp = fs.lstatSync(tempPathFor(item.dst, ctx.jobId, item.seq), { throwIfNoEntry: false });
    if (tmp?.isFile()) found += large ? Math.max(0, tmp.size - state.offset) : tmp.size;
    if (large) break;
  }
  return found;
}

/**
 * True when a file or symlink planned into a free path is there already: only this job's rename, which comes
 * after the copy is complete and fsync'ed, puts it there, so a run killed between that rename and its
 * checkpoint left it finished.
 */
function alreadyInPlace(item: Item): boolean {
  if (item.action !== 'copy' || item.kind === 'dir' || item.kind === 'rename') return false;
  return fs.lstatSync(item.dst, { throwIfNoEntry: false }) !== undefined;
}

function countDone(state: CopyState, item: PlanItem): void {
  if (item.kind === 'file') {
    state.counts.files++;
    state.counts.bytes += item.size;
  } else if (item.kind === 'dir') state.counts.dirs++;
  else if (item.kind === 'symlink') state.counts.symlinks++;
}

/** A move across devices: the source goes once its copy is in place (and verified). */
function removeSource(state: CopyState, item: PlanItem): void {
  fs.rmSync(asBuffer(item.src), { force: true });
  state.counts.sourcesRemoved++;
}
