import fs from 'node:fs';
import { Complete } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { displayPath } from '../../fs/paths.js';
import { asBuffer } from '../../fs/bytePaths.js';
import { CopiedRecorder, recordRemoved } from '../../library/libraryUpdates.js';
import { directoryChecks, finishPlannedDirectory } from '../finishDirectory.js';
import { recordFailure } from '../recordFailure.js';
import { cleanUpJob } from '../cleanUpJob.js';
import type { CopyDeps, CopyInput, CopyState } from '../types.js';
import { deletePlan, planItems } from '../jobPlans.js';
import { listLocations } from '../../library/locations.js';

/**
 * Finish: directories get their modes and times (deepest first, after everything inside them was written,
 * which changed their mtimes), a move across devices removes the emptied source directories, indexed
 * locations are updated (new entries for the copies, removed ones for moved sources), and the plan is deleted
 * with the final checkpoint, in one transaction. Every step is idempotent, so a resumed job simply runs it
 * again.
 */
export const complete = phase<CopyState, CopyInput, CopyDeps>({
  name: 'complete',
  async execute(ctx) {
    const { state, input } = ctx;
    const library = ctx.deps.library;
    const preserve = input.preserveTimestamps !== false;
    let before = Number.MAX_SAFE_INTEGER;
    // Mode and times are set through the directory itself, never through a symlink put in place of it or of a
    // directory above it (checked once per directory, cached).
    const realDirs = directoryChecks(state);
    for (;;) {
      const dirs = planItems(library, ctx.jobId, before, 1000, { kind: 'dir', descending: true });
      if (dirs.length === 0) break;
      for (const dir of dirs) {
        // A directory that could not be made was reported when it failed.
        finishPlannedDirectory(ctx, realDirs, dir, preserve);
        try {
          if (input.move && fs.existsSync(dir.src)) fs.rmdirSync(dir.src);
        } catch (error) {
          // A source directory that still holds what was not moved (each such path was reported) stays.
          if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY')
            recordFailure(ctx, error, displayPath(dir.src), 'move');
        }
      }
      before = dirs[dirs.length - 1].seq;
    }
    const indexed = listLocations(library).length > 0;
    await ctx.checkpoint({
      force: true,
      atomicWith: () => {
        if (indexed) {
          const recorder = new CopiedRecorder(library);
          let after = 0;
          for (;;) {
            const items = planItems(library, ctx.jobId, after, 1000);
            if (items.length === 0) break;
            for (const item of items) {
              if (item.kind === 'rename') recorder.recordTree(item.dst);
              else recorder.record(item.dst);
            }
            after = items[items.length - 1].seq;
          }
          if (input.move) for (const root of state.roots) recordRemoved(library, asBuffer(root.src));
        }
        deletePlan(library, ctx.jobId);
      },
    });
    return Complete;
  },
  async onFailure(ctx) {
    cleanUpJob(ctx);
  },
});
