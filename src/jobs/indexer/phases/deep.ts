import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { sniffFile } from '../../content/sniff.js';
import type { EntryUpdate } from '../../library/types.js';
import { mapConcurrent } from '../../fs/mapConcurrent.js';
import type { IndexerDeps, IndexerInput, IndexerState } from '../types.js';
import { pathOf, updateEntries } from '../../library/entries.js';
import { countUnsniffedFiles, unsniffedFiles } from '../indexerQueries.js';

/**
 * What a file is, from its bytes: the MIME type and, for images, width, height and EXIF orientation.
 * Batches of files in id order, written with the checkpoint of the cursor.
 */
export const deep = phase<IndexerState, IndexerInput, IndexerDeps>({
  name: 'deep',
  weight: 4,
  when: (input) => input.mode === 'deep',
  async execute(ctx) {
    const { state, input } = ctx;
    const batchSize = input.batchSize ?? 1000;
    const concurrency = input.concurrency ?? 8;
    if (input.ephemeral) {
      const files = state.entries.filter((e) => e.kind === 'file' && e.mime === undefined);
      let done = 0;
      await mapConcurrent(files, concurrency, async (entry) => {
        try {
          const info = await sniffFile(entry.path, entry.size);
          entry.mime = info.mime;
          entry.width = info.width ?? null;
          entry.height = info.height ?? null;
          state.counts.deep++;
        } catch (error) {
          entry.mime = null;
          ctx.addNonFatalError(error, { path: entry.path, op: 'deep' });
        }
        ctx.atomicOperationComplete(++done, files.length);
      });
      return Continue;
    }
    const library = ctx.deps.library!;
    const locationId = state.locationId!;
    const remaining = countUnsniffedFiles(library, locationId, state.cursor);
    const total = state.counts.deep + remaining;
    for (;;) {
      const rows = unsniffedFiles(library, locationId, state.cursor, batchSize);
      if (rows.length === 0) break;
      const updates = await mapConcurrent(rows, concurrency, async (row): Promise<EntryUpdate | null> => {
        const file = pathOf(library, row.id);
        try {
          const info = await sniffFile(file, row.size);
          return {
            id: row.id,
            mime: info.mime,
            width: info.width ?? null,
            height: info.height ?? null,
            orientation: info.orientation ?? null,
          };
        } catch (error) {
          ctx.addNonFatalError(error, { path: file.toString(), op: 'deep' });
          return null;
        }
      });
      const done = updates.filter((u): u is EntryUpdate => u !== null);
      state.cursor = rows[rows.length - 1].id;
      state.counts.deep += done.length;
      await ctx.checkpoint({ force: true, atomicWith: () => void updateEntries(library, done) });
      ctx.atomicOperationComplete(state.counts.deep, total);
      ctx.checkInterrupt();
    }
    state.cursor = 0;
    return Continue;
  },
});
