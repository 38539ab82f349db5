import type { PhaseContext } from '../../phases/types.js';
import { tempPathFor } from '../fs/bytePaths.js';
import { directoryChecks, finishPlannedDirectory } from './finishDirectory.js';
import { removeName, swapPathFor } from './placeFile.js';
import type { CopyDeps, CopyInput, CopyState } from './types.js';
import { deletePlan, planItems } from './jobPlans.js';

type Ctx = PhaseContext<CopyState, CopyInput, CopyDeps>;

/**
 * Cleanup when the job ends without completing (cancelled, or failed for good). Copies already in place stay,
 * as `cp` leaves what it copied, and so do the directories it made — each given its source's mode and (if
 * preserved) times, as *complete* would have, so none is left at the 0700 it was made with. In order:
 *
 * 1. every temporary name it may have left is removed — the witnesses of the last committed batch, the batch
 *    after the cursor, the partial large file; only names this job makes (`.phasekit-<job>-<seq>.part`),
 *    found from the plan, never by a walk;
 * 2. the planned directories up to the batch after the cursor (the one a failure, a kill or a full disk
 *    stopped in: directories in it may have been made) get their mode and times, deepest first, after the
 *    removals above changed their mtimes — through an `O_NOFOLLOW` descriptor after the check of the
 *    directories above (`finishPlannedDirectory`); one that is not there is passed over;
 * 3. its plan is deleted from the library.
 */
export function cleanUpJob(ctx: Ctx): void {
  const { state, input } = ctx;
  const library = ctx.deps.library;
  if (state.planned) {
    const batch = (input.batchSize ?? 1000) + 1;
    const from = Math.min(state.linked?.from ?? state.cursor + 1, state.cursor + 1);
    const window = state.cursor - from + 1 + batch;
    for (const item of planItems(library, ctx.jobId, from - 1, window)) {
      if (item.kind !== 'file' && item.kind !== 'symlink') continue;
      const tmp = tempPathFor(item.dst, ctx.jobId, item.seq);
      removeName(tmp);
      removeName(swapPathFor(tmp));
    }
    state.linked = null;
    // Nothing is on disk before copying started (and a directory there is not the job's).
    if (state.copyingStarted) finishReachedDirectories(ctx, state.cursor + batch);
  }
  deletePlan(library, ctx.jobId);
}

/** Mode and times of the planned directories with `seq <= last`, deepest first. */
function finishReachedDirectories(ctx: Ctx, last: number): void {
  const preserve = ctx.input.preserveTimestamps !== false;
  const realDirs = directoryChecks(ctx.state);
  for (let before = last + 1; ; ) {
    const dirs = planItems(ctx.deps.library, ctx.jobId, before, 1000, { kind: 'dir', descending: true });
    if (dirs.length === 0) break;
    for (const dir of dirs) finishPlannedDirectory(ctx, realDirs, dir, preserve);
    before = dirs[dirs.length - 1].seq;
  }
}
