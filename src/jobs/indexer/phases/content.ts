import { Continue, phase } from '../../../index.js';
import { contentIdOfFile } from '../../content/contentId.js';
import { kindOfExtension } from '../../content/sniff.js';
import type { ContentIdAssignment } from '../../library/types.js';
import { mapConcurrent } from '../mapConcurrent.js';
import type { IndexerDeps, IndexerInput, IndexerState } from '../types.js';

/**
 * Content ids (Spacedrive's sampled BLAKE3) for every non-empty file without one, a batch at a time, several
 * files at once, each batch's ids written with the checkpoint of the cursor in one transaction.
 */
export const content = phase<IndexerState, IndexerInput, IndexerDeps>({
  name: 'content',
  weight: 3,
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
    const remaining = library.db
      .prepare(
        `SELECT count(*) FROM entries WHERE location_id = ? AND id > ? AND kind = 'file' AND size > 0 AND content_id IS NULL`,
      )
      .pluck()
      .get(locationId, state.cursor) as number;
    const total = state.counts.contentIds + remaining;
    for (;;) {
      const rows = library.filesWithoutContentId(locationId, state.cursor, batchSize);
      if (rows.length === 0) break;
      const results = await mapConcurrent(
        rows,
        concurrency,
        async (row): Promise<ContentIdAssignment | null> => {
          const file = library.pathOf(row.id);
          try {
            const contentId = await contentIdOfFile(file, row.size);
            const entry = library.getEntry(row.id);
            return contentId === null
              ? null
              : { id: row.id, contentId, kind: kindOfExtension(entry?.extension ?? null) };
          } catch (error) {
            ctx.addNonFatalError(error, { path: file.toString(), op: 'content' });
            return null;
          }
        },
      );
      const assignments = results.filter((r): r is ContentIdAssignment => r !== null);
      state.cursor = rows[rows.length - 1].id;
      state.counts.contentIds += assignments.length;
      await ctx.checkpoint({ force: true, atomicWith: () => void library.setContentIds(assignments) });
      ctx.atomicOperationComplete(state.counts.contentIds, total);
      ctx.checkInterrupt();
    }
    state.cursor = 0;
    return Continue;
  },
});
