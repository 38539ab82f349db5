import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import type { IndexerDeps, IndexerInput, IndexerState } from '../types.js';
import { countSubtrees, deleteEntries } from '../../library/entries.js';

/**
 * Apply what discovery could only decide once the whole tree was seen: entries missing from disk (and not
 * found moved elsewhere) are deleted with everything under them, a batch per transaction and checkpoint.
 */
export const processing = phase<IndexerState, IndexerInput, IndexerDeps>({
  name: 'processing',
  // Deletes of what vanished: usually few (see discovery for the weights).
  weight: 0.2,
  when: (input) => !input.ephemeral,
  async execute(ctx) {
    const { state, input } = ctx;
    const library = ctx.deps.library!;
    const batchSize = input.batchSize ?? 1000;
    const total = state.missing.length;
    while (state.missing.length > 0) {
      const ids = state.missing.slice(-batchSize);
      state.missing.length -= ids.length;
      // Counted before the checkpoint, so that the count commits with the deletes: a run stopped or killed
      // right after it resumes with the batch gone from the work list, and would never count it again.
      state.counts.deleted += countSubtrees(library, ids);
      await ctx.checkpoint({ force: true, atomicWith: () => deleteEntries(library, ids) });
      ctx.atomicOperationComplete(total - state.missing.length, total);
      ctx.checkInterrupt();
    }
    state.moved = [];
    return Continue;
  },
});
