import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import type { IndexerDeps, IndexerInput, IndexerState } from '../types.js';
import { markLocationIndexed } from '../../library/locations.js';

/** Record when the location was last indexed. */
export const complete = phase<IndexerState, IndexerInput, IndexerDeps>({
  name: 'complete',
  weight: 0.05,
  async execute(ctx) {
    if (!ctx.input.ephemeral) {
      const library = ctx.deps.library!;
      const at = ctx.clock.now();
      await ctx.checkpoint({
        force: true,
        atomicWith: () => markLocationIndexed(library, ctx.state.locationId!, at),
      });
    }
    return Continue;
  },
});
