import fs from 'node:fs';
import path from 'node:path';
import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { removeStaleTemporaryFiles } from '../temporaryFiles.js';
import { thumbnailDirectoryOf } from '../thumbnailPath.js';
import type { ThumbnailsDeps, ThumbnailsInput, ThumbnailsState } from '../types.js';
import { deleteThumbnails, orphanThumbnailContentIds } from '../thumbnailsTable.js';

/**
 * Remove the thumbnails of contents no entry of the library has any more — files first, then their records
 * with the checkpoint, a batch at a time (a kill between the two leaves records whose files are gone, which
 * the resumed job finds again and removes) — and the temporary files of killed runs.
 */
export const cleanup = phase<ThumbnailsState, ThumbnailsInput, ThumbnailsDeps>({
  name: 'cleanup',
  weight: 1,
  async execute(ctx) {
    const { state, input } = ctx;
    const library = ctx.deps.library;
    const batchSize = Math.max(input.batchSize ?? 32, 256);
    let after = ''; // not kept in the state: a resumed cleanup looks again from the start, which is cheap
    for (;;) {
      const orphans = orphanThumbnailContentIds(library, batchSize, after);
      if (orphans.length === 0) break;
      after = orphans[orphans.length - 1];
      for (const contentId of orphans) {
        const dir = thumbnailDirectoryOf(state.directory, contentId);
        fs.rmSync(dir, { recursive: true, force: true });
        try {
          fs.rmdirSync(path.dirname(dir)); // the two-hex directory, when this was its last content
        } catch {}
      }
      state.counts.removed += orphans.length;
      await ctx.checkpoint({ force: true, atomicWith: () => void deleteThumbnails(library, orphans) });
      ctx.reportProgress({ message: `${state.counts.removed} orphaned thumbnail sets removed` });
      ctx.checkInterrupt();
    }
    state.counts.temporaryRemoved += removeStaleTemporaryFiles(state.directory);
    return Continue;
  },
});
