import { availableParallelism } from 'node:os';
import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { contentIdOfFile } from '../../content/contentId.js';
import { kindOfExtension } from '../../content/sniff.js';
import { mapConcurrent } from '../../fs/mapConcurrent.js';
import { displayPath, joinBytes } from '../../fs/paths.js';
import { setContentIds } from '../../library/contentIdentities.js';
import type { ContentIdAssignment } from '../../library/types.js';
import { ContentIdPool } from '../content/ContentIdPool.js';
import type { ContentIdResult } from '../content/contentIdMessages.js';
import { DirPaths } from '../content/DirPaths.js';
import { countUnhashedFiles, type UnhashedFile, unhashedFiles } from '../indexerQueries.js';
import type { IndexerDeps, IndexerInput, IndexerState } from '../types.js';
import {
  CONTENT_ID_INDEXES,
  checkInterruptRestoringIndexes,
  deferIndexes,
  restoreDeferredIndexes,
} from '../writes/deferredIndexes.js';

/**
 * How the content phase divides its work. `batch`: files per batch (one transaction and checkpoint) when the
 * input sets no `batchSize`; a batch's ids land all over two B-trees keyed by content id
 * (`content_identities`, `entries_by_content_id`), so a commit writes nearly as many pages for 1,000 files as
 * for 5,000. `chunk`: files per chunk sent to a worker thread (progress and interrupts move a chunk at a
 * time). `threadsFrom`: below this many files to hash no worker thread starts (one costs more than the work).
 * `deferIndexFrom`: a library's first content ids, this many files or more, are written with
 * `entries_by_content_id` set aside and built once at the end (see {@link CONTENT_ID_INDEXES}).
 * @internal Mutable for tests.
 */
export const contentPhaseDefaults = { batch: 5000, chunk: 256, threadsFrom: 2048, deferIndexFrom: 20_000 };

/** A batch being hashed: its files, their paths, and each chunk's results (started at once when threaded). */
interface Batch {
  readonly rows: UnhashedFile[];
  readonly paths: Buffer[];
  readonly chunks: (Promise<ContentIdResult[]> | null)[];
}

/**
 * Content ids (Spacedrive's sampled BLAKE3) for every non-empty file without one, a batch at a time, each
 * batch's ids written with the checkpoint of the cursor in one transaction. The files are hashed in worker
 * threads with synchronous reads ({@link ContentIdPool}), one batch ahead: while the job's thread writes a
 * batch, the workers hash the next. A batch's errors are recorded in file order when it is written, so a
 * crash or pause never records an error whose batch is not committed, and a run records them in id order.
 */
export const content = phase<IndexerState, IndexerInput, IndexerDeps>({
  name: 'content',
  weight: 5,
  when: (input) => (input.mode ?? 'shallow') !== 'shallow',
  async execute(ctx) {
    const { state, input } = ctx;
    const concurrency = input.concurrency ?? 8;
    if (input.ephemeral) {
      const files = state.entries.filter((e) => e.kind === 'file' && e.size > 0 && e.contentId === undefined);
      let done = 0;
      await mapConcurrent(files, concurrency, async (entry) => {
        try {
          entry.contentId = await contentIdOfFile(entry.path, entry.size);
          state.counts.contentIds++;
        } catch (error) {
          entry.contentId = null;
          ctx.addNonFatalError(error, { path: entry.path, op: 'content' });
        }
        ctx.atomicOperationComplete(++done, files.length);
      });
      return Continue;
    }
    const library = ctx.deps.library!;
    const locationId = state.locationId!;
    const batchSize = input.batchSize ?? contentPhaseDefaults.batch;
    const remaining = countUnhashedFiles(library, locationId, state.cursor);
    const total = state.counts.contentIds + remaining;
    const threads =
      remaining >= contentPhaseDefaults.threadsFrom ? Math.min(concurrency, availableParallelism()) : 0;
    // A library's first content ids: each would be a random insert into `entries_by_content_id` (half the
    // phase's writes); the first batch's transaction sets the index aside, the end builds it once.
    let deferIndex =
      remaining >= contentPhaseDefaults.deferIndexFrom &&
      library.statements.pluck('SELECT 1 FROM entries WHERE content_id IS NOT NULL LIMIT 1').get() ===
        undefined;
    // Paused or cancelled: the index comes back first, so a paused job does not leave the library without it.
    const checkInterrupt = () => checkInterruptRestoringIndexes(ctx, library);
    const pool = new ContentIdPool(threads);
    const dirs = new DirPaths(library);
    const chunkSize = contentPhaseDefaults.chunk;
    const hashChunk = (batch: Batch, c: number) => {
      const from = c * chunkSize;
      const rows = batch.rows.slice(from, from + chunkSize);
      return pool.hash(
        batch.paths.slice(from, from + chunkSize),
        rows.map((r) => r.size),
      );
    };
    const start = (after: number): Batch | null => {
      const rows = unhashedFiles(library, locationId, after, batchSize);
      if (rows.length === 0) return null;
      const paths = rows.map((r) => joinBytes(dirs.of(r.parentId), r.name));
      const batch: Batch = {
        rows,
        paths,
        chunks: new Array(Math.ceil(rows.length / chunkSize)).fill(null),
      };
      if (pool.threaded) {
        for (let c = 0; c < batch.chunks.length; c++) {
          const chunk = hashChunk(batch, c);
          // Handled here too: a batch read ahead and dropped (pause, failure) must not reject unheard.
          chunk.catch(() => undefined);
          batch.chunks[c] = chunk;
        }
      }
      return batch;
    };
    // Files hashed in this run, errors included: progress moves chunk by chunk and never back.
    let done = state.counts.contentIds;
    try {
      let batch = start(state.cursor);
      while (batch !== null) {
        const { rows, paths } = batch;
        const next = pool.threaded ? start(rows[rows.length - 1].id) : null;
        const results: ContentIdResult[] = [];
        for (let c = 0; c < batch.chunks.length; c++) {
          const chunk = await (batch.chunks[c] ?? hashChunk(batch, c));
          for (const r of chunk) results.push(r);
          done += chunk.length;
          ctx.atomicOperationComplete(done, total);
          // Give the host a turn: progress reports and signals run during a batch (chunks already answered
          // resolve in microtasks, which alone would run the whole batch without one).
          await new Promise<void>((resolve) => setImmediate(resolve));
          checkInterrupt();
        }
        const assignments: ContentIdAssignment[] = [];
        for (let i = 0; i < rows.length; i++) {
          const r = results[i];
          if (typeof r === 'string') {
            assignments.push({ id: rows[i].id, contentId: r, kind: kindOfExtension(rows[i].extension) });
          } else if (r instanceof Error) {
            ctx.addNonFatalError(r, { path: displayPath(paths[i]), op: 'content' });
          }
        }
        state.cursor = rows[rows.length - 1].id;
        state.counts.contentIds += assignments.length;
        const defer = deferIndex;
        await ctx.checkpoint({
          force: true,
          atomicWith: () => {
            if (defer) deferIndexes(library, CONTENT_ID_INDEXES);
            setContentIds(library, assignments);
          },
        });
        deferIndex = false;
        checkInterrupt();
        batch = next ?? (pool.threaded ? null : start(state.cursor));
      }
    } finally {
      await pool.close();
    }
    // Before the phase ends (a crash before this re-enters the phase, which has nothing left but this).
    library.db.transaction(() => restoreDeferredIndexes(library)).immediate();
    state.cursor = 0;
    return Continue;
  },
});
