import type { PhaseContext } from '../../phases/types.js';
import { tempPathFor } from '../fs/bytePaths.js';
import { removeName, swapPathFor } from './placeFile.js';
import type { CopyDeps, CopyInput, CopyState } from './types.js';
import { deletePlan, planItems } from './jobPlans.js';

/**
 * Cleanup when the job ends without completing (cancelled, or failed for good): remove every temporary name it
 * may have left — the witnesses of the last committed batch, the batch after the cursor, the partial large
 * file — and delete its plan from the library. Copies already in place stay, as `cp` leaves what it copied.
 * Only names this job makes (`.phasekit-<job>-<seq>.part`) are removed, found from the plan, never by a walk.
 */
export function removeJobTemps(ctx: PhaseContext<CopyState, CopyInput, CopyDeps>): void {
  const { state, input } = ctx;
  const library = ctx.deps.library;
  if (state.planned) {
    const from = Math.min(state.linked?.from ?? state.cursor + 1, state.cursor + 1);
    const window = state.cursor - from + 1 + (input.batchSize ?? 1000) + 1;
    for (const item of planItems(library, ctx.jobId, from - 1, window)) {
      if (item.kind !== 'file' && item.kind !== 'symlink') continue;
      const tmp = tempPathFor(item.dst, ctx.jobId, item.seq);
      removeName(tmp);
      removeName(swapPathFor(tmp));
    }
    state.linked = null;
  }
  deletePlan(library, ctx.jobId);
}
