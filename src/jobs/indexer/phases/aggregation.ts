import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import type { IndexerDeps, IndexerInput, IndexerState } from '../types.js';
import { DirectorySums, gatheredSums } from './DirectorySums.js';
import { entryTotalsPage } from '../indexerQueries.js';
import { updateEntries } from '../../library/entries.js';
import { getLocation } from '../../library/locations.js';

/** Entries read per page: one page of `[id, parent, kind, size]` is all the walk holds of the files. */
const PAGE = 5000;

/**
 * Directory totals, bottom-up: each directory's aggregate size (bytes of files and links below it), its
 * direct child count and the number of files in its subtree. Streams the location's entries in pages by id,
 * keeping per directory only its parent and the sums of its direct children (memory grows with the number of
 * directories, not of entries), then rolls each directory's sums into its ancestors and writes the totals
 * with the checkpoint in one transaction.
 */
export const aggregation = phase<IndexerState, IndexerInput, IndexerDeps>({
  name: 'aggregation',
  weight: 0.3,
  when: (input) => !input.ephemeral,
  async execute(ctx) {
    const library = ctx.deps.library!;
    const { counts } = ctx.state;
    const locationId = ctx.state.locationId!;
    const location = getLocation(library, locationId);
    if (
      location?.lastIndexedAt != null &&
      counts.new + counts.modified + counts.moved + counts.deleted === 0
    ) {
      // Nothing changed since a complete run: the totals in the library are right as they are.
      return Continue;
    }
    const total = counts.files + counts.dirs + counts.symlinks + 1;
    // A first index walked start to end in this process added the sums up as it inserted (see discovery).
    let sums = gatheredSums.get(ctx.state);
    gatheredSums.delete(ctx.state);
    let seen = total;
    if (sums === undefined) {
      sums = new DirectorySums();
      let after = 0;
      seen = 0;
      for (;;) {
        const rows = entryTotalsPage(library, locationId, after, PAGE);
        if (rows.length === 0) break;
        for (const [id, parentId, kind, size] of rows) sums.add(id, parentId, kind, size);
        after = rows[rows.length - 1][0];
        seen += rows.length;
        ctx.atomicOperationComplete(Math.min(seen, total), Math.max(total, seen));
        // Between pages: let progress timers and signals run.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    const updates = sums.updates();
    await ctx.checkpoint({ force: true, atomicWith: () => void updateEntries(library, updates) });
    ctx.atomicOperationComplete(seen, seen);
    return Continue;
  },
});
