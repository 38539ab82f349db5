import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import type { EntryUpdate } from '../../library/types.js';
import { mapConcurrent } from '../../fs/mapConcurrent.js';
import type { IndexerDeps, IndexerInput, IndexerState } from '../types.js';
import { pathOf, updateEntries } from '../../library/entries.js';
import { countUnsniffedFiles, unsniffedFiles } from '../indexerQueries.js';
import { deepSniffer } from './deepSniffer.js';

/** One file of a batch: what was found, or why not. */
type Sniffed =
  | { readonly update: EntryUpdate; readonly failure?: undefined }
  | { readonly update?: undefined; readonly failure: { readonly error: unknown; readonly path: string } };

/**
 * What a file is, from its bytes: the MIME type and, for images, width, height and EXIF orientation.
 * Batches of files in id order, written with the checkpoint of the cursor. Inside a batch `concurrency`
 * files are sniffed at once (`sharp` and the file reads run on libuv's thread pool); the batch is written
 * and checkpointed only when all of its sniffs have ended, and pause and cancel are honoured between
 * batches. Results go in by id and non-fatal errors are recorded in id order, whatever order the sniffs
 * end in, so a run equals a sequential one.
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
      const failures = await mapConcurrent(files, concurrency, async (entry) => {
        let failure: { error: unknown } | null = null;
        try {
          const info = await deepSniffer.sniff(entry.path, entry.size);
          entry.mime = info.mime;
          entry.width = info.width ?? null;
          entry.height = info.height ?? null;
          state.counts.deep++;
        } catch (error) {
          entry.mime = null;
          failure = { error };
        }
        ctx.atomicOperationComplete(++done, files.length);
        return failure;
      });
      // In the order of the entries, not of the sniffs' ends.
      failures.forEach((f, i) => {
        if (f !== null) ctx.addNonFatalError(f.error, { path: files[i].path, op: 'deep' });
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
      const sniffed = await mapConcurrent(rows, concurrency, async (row): Promise<Sniffed> => {
        const file = pathOf(library, row.id);
        try {
          const info = await deepSniffer.sniff(file, row.size);
          return {
            update: {
              id: row.id,
              mime: info.mime,
              width: info.width ?? null,
              height: info.height ?? null,
              orientation: info.orientation ?? null,
            },
          };
        } catch (error) {
          return { failure: { error, path: file.toString() } };
        }
      });
      // Results by id and errors in id order (mapConcurrent keeps the rows' order), whichever sniff ended first.
      const done: EntryUpdate[] = [];
      for (const s of sniffed) {
        if (s.update) done.push(s.update);
        else ctx.addNonFatalError(s.failure.error, { path: s.failure.path, op: 'deep' });
      }
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
