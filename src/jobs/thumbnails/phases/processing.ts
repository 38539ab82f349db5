import fs from 'node:fs/promises';
import path from 'node:path';
import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { toError } from '../../../phases/toError.js';
import { mapConcurrent } from '../../fs/mapConcurrent.js';
import { defaultThumbnailConcurrency } from '../defaultConcurrency.js';
import { type ImageWork, nextImages } from '../nextImages.js';
import { renderThumbnails } from '../renderThumbnails.js';
import { removeStaleTemporaryFiles } from '../temporaryFiles.js';
import { TEMPORARY_DIRECTORY } from '../thumbnailPath.js';
import { ThumbnailSourceError } from '../ThumbnailSourceError.js';
import type { ThumbnailRecord, ThumbnailsDeps, ThumbnailsInput, ThumbnailsState } from '../types.js';
import { pathOf } from '../../library/entries.js';
import { putThumbnails } from '../thumbnailsTable.js';

/**
 * Make the thumbnails, largest images first, a batch at a time, several images at once. A batch's records
 * and the cursor past it commit with one checkpoint, so a resumed job never makes a finished batch again
 * (and remakes an unfinished one whole: its files are renamed into place over any left by the killed run).
 */
export const processing = phase<ThumbnailsState, ThumbnailsInput, ThumbnailsDeps>({
  name: 'processing',
  weight: 10,
  async execute(ctx) {
    const { state, input } = ctx;
    const library = ctx.deps.library;
    const batchSize = input.batchSize ?? 32;
    const concurrency = input.concurrency ?? defaultThumbnailConcurrency();
    state.counts.temporaryRemoved += removeStaleTemporaryFiles(state.directory);
    const walk = {
      library,
      variants: state.variants,
      locationId: state.locationId,
      regenerate: input.regenerate === true,
    };
    const doneBefore = () => state.counts.images + state.counts.failed;
    for (;;) {
      // Gather a batch of images that need work; contents whose thumbnails all exist only move the cursor.
      const work: ImageWork[] = [];
      let cursor = state.cursor;
      let skipped = 0;
      while (work.length < batchSize) {
        const page = nextImages(walk, cursor, batchSize - work.length);
        if (page.cursor === null) break;
        work.push(...page.work);
        skipped += page.skipped;
        cursor = page.cursor;
      }
      if (cursor === state.cursor) break;
      const records: ThumbnailRecord[] = [];
      let images = 0;
      let failed = 0;
      await fs.mkdir(path.join(state.directory, TEMPORARY_DIRECTORY), { recursive: true });
      await mapConcurrent(work, concurrency, async (work) => {
        const file = pathOf(library, work.entryId);
        const name = file.toString();
        try {
          const source = await sourceOf(file);
          records.push(
            ...(await renderThumbnails(source, work.contentId, work.variants, state.directory, name)),
          );
          images++;
        } catch (error) {
          if (!(error instanceof ThumbnailSourceError)) throw error; // cannot write thumbnails: fatal
          failed++;
          ctx.addNonFatalError(error, { path: name, op: 'thumbnail', contentId: work.contentId });
        }
        ctx.atomicOperationComplete(doneBefore() + images + failed, state.total);
      });
      state.cursor = cursor;
      state.counts.images += images;
      state.counts.failed += failed;
      state.counts.skipped += skipped;
      state.counts.thumbnails += records.length;
      for (const r of records) state.counts.bytes += r.bytes;
      await ctx.checkpoint({ force: true, atomicWith: () => putThumbnails(library, records) });
      ctx.checkInterrupt();
    }
    return Continue;
  },
});

/**
 * What sharp reads: the path as a string when it is valid UTF-8 (sharp takes file names only as strings),
 * else the file's bytes (a Buffer given to sharp is image data, never a path).
 */
async function sourceOf(file: Buffer): Promise<string | Buffer> {
  const text = file.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(file)) return text;
  try {
    return await fs.readFile(file);
  } catch (error) {
    throw new ThumbnailSourceError(text, toError(error).message, { cause: error });
  }
}
