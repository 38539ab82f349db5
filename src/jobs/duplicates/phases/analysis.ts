import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import type { PhaseContext } from '../../../phases/types.js';
import { display, type FirstPass, sameBytes } from '../../content/fileBytes.js';
import type { HashPool } from '../../content/hashPool.js';
import { hashPoolFor, takeReadAhead } from '../readAhead.js';
import { dropLists, handOver, listsLibrary, readList } from '../fileLists.js';
import { candidate, packGroups, unpackGroups } from '../packFiles.js';
import type {
  CandidateFile,
  CandidateGroup,
  DuplicatesDeps,
  DuplicatesInput,
  DuplicatesState,
} from '../types.js';
import { setFileHashes } from '../../library/fileHashes.js';
import { putJobListChunk } from '../../library/jobLists.js';

type Ctx = PhaseContext<DuplicatesState, DuplicatesInput, DuplicatesDeps>;

/** A full hash to store in the library with the batch. */
interface HashWrite {
  entryId: number;
  size: number;
  mtimeMs: number;
  fullHash: string;
}

/**
 * Compare the contents of each same-size group: a partial hash (first and last 4 KiB; the library's content id
 * when every file of the group still has one) splits it, a full BLAKE3 (the library's when stored for the
 * file's size and mtime) confirms, and in `deep` mode a byte-by-byte comparison with the first file of each
 * set settles it. Whole groups are taken in batches, their files read by a pool of worker threads; a batch's
 * results, the cursor past it and the full hashes it computed (recorded in the library, for a location)
 * commit with one checkpoint, so a resume never reads a finished group again. Unreadable files are non-fatal
 * errors, and leave their group.
 */
export const analysis = phase<DuplicatesState, DuplicatesInput, DuplicatesDeps>({
  name: 'analysis',
  weight: 6,
  when: (input) => (input.mode ?? 'content') === 'content' || input.mode === 'deep',
  async execute(ctx) {
    const { state, input } = ctx;
    const batchFiles = input.batchFiles ?? 5000;
    const library = state.locationId !== null ? ctx.deps.library : undefined;
    const lists = state.lists ? listsLibrary(ctx.deps) : undefined;
    const groups = lists
      ? readList(lists, ctx.jobId, 'pending', state.lists!.pending)
      : state.pending
        ? unpackGroups(state.pending)
        : [];
    // The partial hashes collect read ahead in this run (none after a resume), and its threads if they run.
    const ahead = takeReadAhead(ctx.signal);
    const pool = ahead?.pool ?? hashPoolFor(input);
    const settled = ahead?.settled;
    // A batch holds up to batchFiles files that may have to be read; files whose full hash is known cost
    // nothing, so a run that reuses the library's hashes commits in one or two checkpoints, not dozens.
    // Each batch is asked for twice (to read its full hashes ahead, then to read it): counted once. A batch's
    // bounds depend only on the full hashes its own files had before it was compared.
    const batches = new Map<number, { end: number; files: number }>();
    const batchAt = (from: number) => {
      const known = batches.get(from);
      if (known !== undefined) return known;
      let end = from;
      let files = 0;
      let toRead = 0;
      while (end < groups.length) {
        const cost = groups[end].files.reduce((n, f) => n + (f.fullHash ? 0 : 1), 0);
        if (files > 0 && toRead + cost > batchFiles) break;
        toRead += cost;
        files += groups[end].files.length;
        end++;
      }
      const batch = { end, files };
      batches.set(from, batch);
      return batch;
    };
    // With every partial hash read ahead, which files need a full hash is known before any batch is compared:
    // they are read ahead too, batch after batch, while this thread compares and commits (registered before the
    // batches take their partial hashes out of the read-ahead's map).
    const fullsAhead = new Map<CandidateFile, Promise<string | Error | undefined>>();
    // The sets this run commits, in the order of their chunks: when the run wrote every chunk of the list, the
    // list itself, handed over to complete in memory (it need not read and unpack it back).
    const doneAtStart = state.lists?.done;
    const committed: CandidateGroup[] = [];
    settled?.then(() => readFullsAhead(pool, groups, state.cursor, batchAt, fullsAhead));
    try {
      let reads =
        state.cursor < groups.length ? readFirsts(pool, groups, state.cursor, batchAt, settled) : undefined;
      while (reads !== undefined) {
        const { end, files } = reads;
        const writes: HashWrite[] = [];
        // The worker threads read the next batch's partial hashes while this one is finished and committed:
        // pure reads, whose results touch the state only when that batch is compared, after this checkpoint.
        let next: FirstReads | undefined;
        const sets = await compareBatch(ctx, pool, reads, fullsAhead, writes, () => {
          if (pool.threaded && end < groups.length) next = readFirsts(pool, groups, end, batchAt, settled);
        });
        state.cursor = end;
        state.doneFiles += files;
        const found = sets.length > 0 ? packGroups(sets) : undefined;
        let seq: number | undefined;
        if (found && lists) seq = state.lists!.done++;
        else if (found) state.done.push(found);
        const hashes = library && writes.length > 0;
        await ctx.checkpoint({
          force: true,
          ...(hashes || seq !== undefined
            ? {
                atomicWith: () => {
                  if (hashes) setFileHashes(library, writes, ctx.clock.now());
                  if (seq !== undefined) putJobListChunk(lists!, ctx.jobId, 'done', seq, found!);
                },
              }
            : {}),
        });
        if (seq !== undefined) for (const set of sets) committed.push(set);
        ctx.atomicOperationComplete(state.doneFiles, state.groupFiles);
        // Only between batches: the state in memory then matches what is committed.
        ctx.checkInterrupt();
        reads = next ?? (end < groups.length ? readFirsts(pool, groups, end, batchAt, settled) : undefined);
      }
    } finally {
      await pool.close();
    }
    if (lists && doneAtStart === 0) handOver(lists, ctx.jobId, 'done', state.lists!.done, committed);
    state.pending = null;
    return Continue;
  },
  async onFailure(ctx) {
    dropLists(ctx.deps?.library, ctx.jobId);
  },
});

/** A batch of groups, `groups[from..end)`, and the partial hashes of its files being read. */
interface FirstReads {
  readonly batch: CandidateGroup[];
  readonly end: number;
  /** Files in the batch, read or not. */
  readonly files: number;
  /** The files read, and their results in the same order. */
  readonly toRead: CandidateFile[];
  readonly firsts: Promise<(FirstPass | Error)[]>;
}

/** Whether a group is settled by full hashes (every file's is known) or by content ids (every file has one). */
const byFullHash = (g: CandidateGroup) => g.files.every((f) => f.fullHash);
const byContentId = (g: CandidateGroup) => g.files.every((f) => f.contentId);

/** Start reading the partial hashes of the batch that begins at group `from`. Reads only: no state changes. */
function readFirsts(
  pool: HashPool,
  groups: CandidateGroup[],
  from: number,
  batchAt: (from: number) => { end: number; files: number },
  settled: Promise<void> | undefined,
): FirstReads {
  const { end, files } = batchAt(from);
  const batch = groups.slice(from, end);
  const toRead: CandidateFile[] = [];
  for (const g of batch) if (!byFullHash(g) && !byContentId(g)) for (const f of g.files) toRead.push(f);
  const firsts = settled
    ? settled.then(() => readUnknown(pool, toRead))
    : pool.run<FirstPass>('first', toRead);
  // A batch read ahead of a pause is never awaited.
  firsts.catch(() => {});
  return { batch, end, files, toRead, firsts };
}

/**
 * Post the full hashes the batches from group `from` on will need, as their partial hashes read ahead say
 * (the files of a group left with another of the same partial hash, whose full hash is not known yet), one
 * pool call per batch, in order, each file's result into `out`. Reads only: the results enter the state when
 * their batch is compared, as if read then; a file missing from `out` (its group not read ahead whole) is
 * read then. A result that could not be had (the pool closed or broke) is `undefined`: the batch reads it.
 */
function readFullsAhead(
  pool: HashPool,
  groups: CandidateGroup[],
  from: number,
  batchAt: (from: number) => { end: number; files: number },
  out: Map<CandidateFile, Promise<string | Error | undefined>>,
): void {
  for (let at = from; at < groups.length; ) {
    const { end } = batchAt(at);
    const files: CandidateFile[] = [];
    for (let g = at; g < end; g++) pushNeedingFull(groups[g].files, files);
    if (files.length > 0) {
      const read = pool.run<string>('full', files).catch(() => undefined);
      files.forEach((f, i) => {
        out.set(
          f,
          read.then((r) => r?.[i]),
        );
      });
    }
    at = end;
  }
}

/** Scratch for {@link pushNeedingFull}: a group's keys, reused (groups are scanned one at a time). */
let keys = new Int32Array(64);
/** Groups larger than this count their partial hashes in a map; smaller ones compare them pairwise. */
const PAIRWISE = 12;

/**
 * Push onto `out` the files of a same-size group that a full hash must settle, as their partial hashes read
 * ahead say: a file read, not whole, whose full hash is not known, whose partial hash another file of the group
 * shares. Nothing when the group is settled by full hashes or content ids, or some file of it was not read
 * ahead. Called once per group over every group of a run (tens of thousands) while the worker threads wait
 * for the first full hashes, so it reads the files themselves (their `aheadKey`) and goes to a result's hash
 * only when two keys match; it allocates nothing for a group of up to {@link PAIRWISE} files.
 */
function pushNeedingFull(group: readonly CandidateFile[], out: CandidateFile[]): void {
  const n = group.length;
  let allFull = true;
  let allIds = true;
  for (let i = 0; i < n; i++) {
    const f = group[i];
    if (f.ahead === undefined) return;
    if (!f.fullHash) allFull = false;
    if (!f.contentId) allIds = false;
  }
  if (allFull || allIds) return;
  if (n > PAIRWISE) {
    const partial = (f: CandidateFile) => (f.ahead as FirstPass).partial;
    const counts = new Map<string, number>();
    for (const f of group) if (f.aheadKey! >= 0) counts.set(partial(f), (counts.get(partial(f)) ?? 0) + 1);
    for (const f of group) if (f.aheadKey! >= 0 && !f.fullHash && counts.get(partial(f))! >= 2) out.push(f);
    return;
  }
  // -1: an error or a file read whole, which needs no full hash and counts for no other file.
  if (keys.length < n) keys = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) keys[i] = group[i].aheadKey!;
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    if (key < 0 || group[i].fullHash) continue;
    for (let j = 0; j < n; j++) {
      if (j !== i && keys[j] === key && samePartial(group[i], group[j])) {
        out.push(group[i]);
        break;
      }
    }
  }
}

const samePartial = (a: CandidateFile, b: CandidateFile) =>
  (a.ahead as FirstPass).partial === (b.ahead as FirstPass).partial;

/** The full hashes of `files`: those read ahead (taken out of `ahead`), and the others read now. */
async function fullHashes(
  pool: HashPool,
  files: CandidateFile[],
  ahead: Map<CandidateFile, Promise<string | Error | undefined>>,
): Promise<(string | Error)[]> {
  const pending = files.map((f) => ahead.get(f));
  for (const f of files) ahead.delete(f);
  const missing = files.filter((_, i) => pending[i] === undefined);
  const now = missing.length > 0 ? pool.run<string>('full', missing) : undefined;
  const got = await Promise.all(pending);
  const again = files.filter((_, i) => pending[i] !== undefined && got[i] === undefined);
  const later = again.length > 0 ? pool.run<string>('full', again) : undefined;
  const [read, reread] = await Promise.all([now, later]);
  let m = 0;
  let a = 0;
  return files.map((_, i) => (pending[i] === undefined ? read![m++] : (got[i] ?? reread![a++])));
}

/** The partial hashes of `files`: those read ahead (taken out of their `ahead`), and the others read now. */
async function readUnknown(pool: HashPool, files: CandidateFile[]): Promise<(FirstPass | Error)[]> {
  const out = new Array<FirstPass | Error | undefined>(files.length);
  const missing: number[] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    out[i] = f.ahead;
    if (out[i] === undefined) missing.push(i);
    else {
      f.ahead = undefined;
      f.aheadKey = -1;
    }
  }
  if (missing.length > 0) {
    const read = await pool.run<FirstPass>(
      'first',
      missing.map((i) => files[i]),
    );
    missing.forEach((at, k) => {
      out[at] = read[k];
    });
  }
  return out as (FirstPass | Error)[];
}

/**
 * The duplicate sets of a batch of same-size groups. `onFullQueued` runs once the batch's full hashes are
 * queued to the pool (so work queued then comes after them).
 *
 * It goes over every file of the batch a few times while the worker threads wait for the next full hashes, so
 * it keeps each group's keys in arrays beside its files (no map keyed by file objects) and skips the lookups
 * of unreadable files when there are none.
 */
async function compareBatch(
  ctx: Ctx,
  pool: HashPool,
  reads: FirstReads,
  fullsAhead: Map<CandidateFile, Promise<string | Error | undefined>>,
  writes: HashWrite[],
  onFullQueued: () => void,
) {
  const { batch, toRead } = reads;
  const counts = ctx.state.counts;
  const failed = (f: CandidateFile, op: string, error: Error) => {
    ctx.addNonFatalError(error, { path: display(f.path), op });
    return false;
  };
  // Files whose hash this batch computed (only those of a location are written back to the library).
  const computed: CandidateFile[] = [];
  // Level 1: partial keys, for groups not all known by full hash. The library's content ids when every file
  // of the group has one (no read at all), else the first and last 4 KiB (small files: whole, and so hashed).
  // A group read is a run of `toRead`, in order, and its keys the same run of `partials`.
  const kinds = batch.map((group) => {
    if (byFullHash(group)) {
      counts.reused += group.files.length;
      return SETTLED;
    }
    if (byContentId(group)) {
      counts.reused += group.files.length;
      return BY_CONTENT_ID;
    }
    return READ;
  });
  const firsts = await reads.firsts;
  const unreadable = new Set<CandidateFile>();
  const partials: string[] = new Array(toRead.length);
  for (let i = 0; i < toRead.length; i++) {
    const f = toRead[i];
    const r = firsts[i];
    if (r instanceof Error) {
      unreadable.add(f);
      failed(f, 'partial hash', r);
      continue;
    }
    counts.partialHashed++;
    counts.bytesRead += r.bytesRead;
    partials[i] = r.partial;
    if (r.full !== null && !f.fullHash) {
      f.fullHash = r.full;
      if (f.entryId !== undefined) computed.push(f);
    }
  }
  const readable = (f: CandidateFile) => unreadable.size === 0 || !unreadable.has(f);
  let at = 0;
  const lists = batch.map((group, g) => {
    if (kinds[g] === SETTLED) return group.files;
    const files = group.files;
    let keys: string[];
    if (kinds[g] === BY_CONTENT_ID) keys = files.map((f) => f.contentId!);
    else {
      keys = partials.slice(at, at + files.length);
      for (let k = 0; k < files.length; k++) {
        if (toRead[at + k] !== files[k])
          throw new Error('phasekit: a batch read other files than it compares');
      }
      at += files.length;
    }
    return sameKeys(files, keys, readable).flat();
  });
  // Level 2: full hashes of what is left.
  const toHash: CandidateFile[] = [];
  for (const files of lists) for (const f of files) if (!f.fullHash) toHash.push(f);
  const fullsRead = fullHashes(pool, toHash, fullsAhead);
  onFullQueued();
  const fulls = await fullsRead;
  for (let i = 0; i < toHash.length; i++) {
    const f = toHash[i];
    const r = fulls[i];
    if (r instanceof Error) {
      unreadable.add(f);
      failed(f, 'full hash', r);
      continue;
    }
    f.fullHash = r;
    counts.fullHashed++;
    counts.bytesRead += f.size;
    if (f.entryId !== undefined) computed.push(f);
  }
  for (const f of computed) {
    if (readable(f)) {
      writes.push({ entryId: f.entryId!, size: f.size, mtimeMs: f.mtimeMs, fullHash: f.fullHash! });
    }
  }
  const deep = (ctx.input.mode ?? 'content') === 'deep';
  const out: CandidateGroup[] = [];
  for (let g = 0; g < lists.length; g++) {
    const files = lists[g];
    let sets = sameKeys(
      files,
      files.map((f) => f.fullHash!),
      readable,
    );
    if (deep) sets = sets.flatMap((set) => byteSets(ctx, set));
    // Only the hash matters from here on: keep checkpoints small (and no read-ahead result rides along).
    for (const set of sets) out.push({ size: batch[g].size, files: set.map(settledFile) });
  }
  return out;
}

/** How a group of a batch is first split: settled by full hashes, by content ids, or by partial hashes read. */
const SETTLED = 0;
const BY_CONTENT_ID = 1;
const READ = 2;

/** A file of a set found: its identity, size, time, entry, full hash and links (no content id, no read-ahead). */
function settledFile(f: CandidateFile): CandidateFile {
  const file = candidate(f.path, f.size, f.mtimeMs, f.ino, f.dev, f.entryId, null, f.fullHash);
  if (f.links !== undefined) file.links = f.links;
  return file;
}

/**
 * Sets of two or more of the files kept by `keep` whose keys (`keys[i]` is file `i`'s) are equal, in the order
 * of their first file, each in the order of `files`. A group of a few files is compared pairwise, a larger one
 * through a map.
 */
function sameKeys(
  files: readonly CandidateFile[],
  keys: readonly string[],
  keep: (f: CandidateFile) => boolean,
): CandidateFile[][] {
  const n = files.length;
  if (n === 2) {
    return keys[0] === keys[1] && keep(files[0]) && keep(files[1]) ? [[files[0], files[1]]] : [];
  }
  if (n <= 8) {
    const out: CandidateFile[][] = [];
    let taken = 0; // bit i: file i is in a set already
    for (let i = 0; i < n; i++) {
      if (taken & (1 << i) || !keep(files[i])) continue;
      let set: CandidateFile[] | undefined;
      for (let j = i + 1; j < n; j++) {
        if (taken & (1 << j) || keys[j] !== keys[i] || !keep(files[j])) continue;
        set ??= [files[i]];
        set.push(files[j]);
        taken |= 1 << j;
      }
      if (set !== undefined) out.push(set);
    }
    return out;
  }
  const by = new Map<string, CandidateFile[]>();
  for (let i = 0; i < n; i++) {
    const f = files[i];
    if (!keep(f)) continue;
    let list = by.get(keys[i]);
    if (list === undefined) {
      list = [];
      by.set(keys[i], list);
    }
    list.push(f);
  }
  return [...by.values()].filter((l) => l.length >= 2);
}

/** Split a set of equal full hashes into sets of equal bytes (a hash collision would show here). */
function byteSets(ctx: Ctx, set: CandidateFile[]): CandidateFile[][] {
  const out: CandidateFile[][] = [];
  for (const f of set) {
    let placed = false;
    try {
      for (const s of out) {
        ctx.state.counts.compared++;
        if (sameBytes(s[0].path, f.path, f.size)) {
          s.push(f);
          placed = true;
          break;
        }
      }
      ctx.state.counts.bytesRead += f.size * 2;
    } catch (error) {
      ctx.addNonFatalError(error, { path: display(f.path), op: 'compare' });
      continue;
    }
    if (!placed) out.push([f]);
  }
  return out.filter((s) => s.length >= 2);
}
