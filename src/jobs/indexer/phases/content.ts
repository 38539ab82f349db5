import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { contentIdOfFile, contentIdOfFileSync } from '../../content/contentId.js';
import { kindOfExtension } from '../../content/sniff.js';
import type { ContentIdAssignment } from '../../library/types.js';
import { mapConcurrent } from '../../fs/mapConcurrent.js';
import { displayPath, joinBytes } from '../../fs/paths.js';
import type { IndexerDeps, IndexerInput, IndexerState } from '../types.js';
import { setContentIds } from '../../library/contentIdentities.js';
import { pathOf } from '../../library/entries.js';
import { countUnhashedFiles, type UnhashedFile, unhashedFiles } from '../indexerQueries.js';

/** Files up to this size (hashed whole, one read) are hashed synchronously. */
const SYNC_LIMIT = 100 * 1024;
/** Small files hashed between two turns given to the host. */
const YIELD_EVERY = 128;

type FileRow = UnhashedFile;

/**
 * Content ids (Spacedrive's sampled BLAKE3) for every non-empty file without one, a batch at a time, several
 * files at once, each batch's ids written with the checkpoint of the cursor in one transaction.
 */
export const content = phase<IndexerState, IndexerInput, IndexerDeps>({
  name: 'content',
  weight: 5,
  when: (input) => (input.mode ?? 'shallow') !== 'shallow',
  async execute(ctx) {
    const { state, input } = ctx;
    const batchSize = input.batchSize ?? 1000;
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
    const remaining = countUnhashedFiles(library, locationId, state.cursor);
    const total = state.counts.contentIds + remaining;
    const dirs = new Map<number, Buffer>();
    const fileOf = (row: FileRow) => {
      let dir = dirs.get(row.parentId);
      if (!dir) {
        if (dirs.size > 10_000) dirs.clear();
        dir = pathOf(library, row.parentId);
        dirs.set(row.parentId, dir);
      }
      return joinBytes(dir, row.name);
    };
    const hashed = (row: FileRow, contentId: string | null): ContentIdAssignment | null =>
      contentId === null ? null : { id: row.id, contentId, kind: kindOfExtension(row.extension) };
    for (;;) {
      const rows = unhashedFiles(library, locationId, state.cursor, batchSize);
      if (rows.length === 0) break;
      const results: (ContentIdAssignment | null)[] = new Array(rows.length).fill(null);
      const large: number[] = [];
      // Small files are one read each: synchronously, a thread-pool round trip would cost more than the read.
      // Sampled large files are read concurrently.
      // Progress moves file by file inside a batch, not a batch at a time.
      let inBatch = 0;
      const step = () => ctx.atomicOperationComplete(state.counts.contentIds + ++inBatch, total);
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        if (row.size > SYNC_LIMIT) {
          large.push(i);
          continue;
        }
        const file = fileOf(row);
        try {
          results[i] = hashed(row, contentIdOfFileSync(file, row.size));
        } catch (error) {
          ctx.addNonFatalError(error, { path: displayPath(file), op: 'content' });
        }
        step();
        // Give the host a turn now and then: progress reports and signals run during a batch.
        if (inBatch % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      await mapConcurrent(large, concurrency, async (i) => {
        const row = rows[i];
        const file = fileOf(row);
        try {
          results[i] = hashed(row, await contentIdOfFile(file, row.size));
        } catch (error) {
          ctx.addNonFatalError(error, { path: displayPath(file), op: 'content' });
        }
        step();
      });
      const assignments = results.filter((r): r is ContentIdAssignment => r !== null);
      state.cursor = rows[rows.length - 1].id;
      state.counts.contentIds += assignments.length;
      await ctx.checkpoint({
        force: true,
        atomicWith: () => void setContentIds(library, assignments),
      });
      ctx.atomicOperationComplete(state.counts.contentIds, total);
      ctx.checkInterrupt();
    }
    state.cursor = 0;
    return Continue;
  },
});
