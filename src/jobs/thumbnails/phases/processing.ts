import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { toError } from '../../../phases/toError.js';
import { openRegularFile } from '../../content/openRegularFile.js';
import { closeFile } from '../../content/readFully.js';
import { descriptorPath } from '../../fs/descriptorPath.js';
import { mapConcurrent } from '../../fs/mapConcurrent.js';
import { defaultThumbnailConcurrency } from '../defaultConcurrency.js';
import { type ImageWork, nextImages } from '../nextImages.js';
import { renderThumbnails } from '../renderThumbnails.js';
import { removeStaleTemporaryFiles } from '../temporaryFiles.js';
import { TEMPORARY_DIRECTORY } from '../thumbnailPath.js';
import { ThumbnailSourceChangedError, ThumbnailSourceError } from '../ThumbnailSourceError.js';
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
        let source: OpenedSource | undefined;
        try {
          source = await openSource(file);
          // The content id names the bytes the index read: a file changed since (written, replaced, or the
          // name now another file's) would be drawn under an id that is not its own.
          assertUnchanged(source.fd, work, name);
          const made = await renderThumbnails(
            source.input,
            work.contentId,
            work.variants,
            state.directory,
            name,
          );
          assertUnchanged(source.fd, work, name);
          records.push(...made);
          images++;
        } catch (error) {
          if (!(error instanceof ThumbnailSourceError)) throw error; // cannot write thumbnails: fatal
          failed++;
          ctx.addNonFatalError(error, { path: name, op: 'thumbnail', contentId: work.contentId });
        } finally {
          if (source !== undefined) await closeFile(source.fd).catch(() => {});
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
 * Throw {@link ThumbnailSourceChangedError} unless the open file is the one the index recorded: the same inode,
 * size and modification time (read from the descriptor, so from the very file sharp reads).
 */
function assertUnchanged(fd: number, work: ImageWork, name: string): void {
  const st = fsSync.fstatSync(fd);
  const { size, mtimeMs, inode } = work.recorded;
  const what =
    st.size !== size
      ? `its size is ${st.size} bytes, not the ${size} indexed`
      : mtimeMs !== null && st.mtimeMs !== mtimeMs
        ? 'it was modified'
        : inode !== null && st.ino !== inode
          ? 'another file has its name'
          : null;
  if (what !== null) throw new ThumbnailSourceChangedError(name, what);
}

/** An image opened for sharp: the descriptor (closed by the caller) and what sharp reads. */
interface OpenedSource {
  readonly fd: number;
  readonly input: string | Buffer;
}

/**
 * Open the image the library recorded as a regular file, and only if it still is one: a symlink swapped in
 * since the index (say, to an image elsewhere) is refused without being followed, a FIFO without waiting for
 * a writer. sharp then reads that very file: through `/proc/self/fd/N` (whatever took the name since, the
 * descriptor's file is opened), or, where there is no such path, as the bytes read from the descriptor (a
 * Buffer given to sharp is image data, never a path).
 */
async function openSource(file: Buffer): Promise<OpenedSource> {
  const name = file.toString('utf8');
  let fd: number;
  try {
    fd = await openRegularFile(file);
  } catch (error) {
    throw new ThumbnailSourceError(name, toError(error).message, { cause: error });
  }
  const input = descriptorPath(fd);
  if (input !== undefined) return { fd, input };
  try {
    return { fd, input: fsSync.readFileSync(fd) };
  } catch (error) {
    await closeFile(fd).catch(() => {});
    throw new ThumbnailSourceError(name, toError(error).message, { cause: error });
  }
}
