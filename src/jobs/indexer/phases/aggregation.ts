import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import type { EntryUpdate } from '../../library/types.js';
import type { IndexerDeps, IndexerInput, IndexerState } from '../types.js';
import { entryTotalsPage } from '../indexerQueries.js';
import { updateEntries } from '../../library/entries.js';
import { getLocation } from '../../library/locations.js';

/** Entries read per page: one page of `[id, parent, kind, size]` is all the walk holds of the files. */
const PAGE = 5000;

/** What a directory's own children add up to, before its subdirectories are rolled in. */
interface Own {
  childCount: number;
  size: number;
  files: number;
}

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
    // Sums by parent id; a parent that turns out not to be a directory is dropped at the end.
    const byParent = new Map<number, Own>();
    const dirs = new Map<number, number | null>();
    const own = (id: number) => {
      let o = byParent.get(id);
      if (o === undefined) {
        o = { childCount: 0, size: 0, files: 0 };
        byParent.set(id, o);
      }
      return o;
    };
    let after = 0;
    let seen = 0;
    for (;;) {
      const rows = entryTotalsPage(library, locationId, after, PAGE);
      if (rows.length === 0) break;
      for (const [id, parentId, kind, size] of rows) {
        if (kind === 'dir') {
          dirs.set(id, parentId);
          own(id);
        }
        if (parentId === null) continue;
        const p = own(parentId);
        p.childCount++;
        if (kind !== 'dir') {
          p.size += size;
          if (kind === 'file') p.files++;
        }
      }
      after = rows[rows.length - 1][0];
      seen += rows.length;
      ctx.atomicOperationComplete(Math.min(seen, total), Math.max(total, seen));
      // Between pages: let progress timers and signals run.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const totals = new Map<number, { aggregateSize: number; childCount: number; fileCount: number }>();
    for (const id of dirs.keys()) {
      totals.set(id, { aggregateSize: 0, childCount: byParent.get(id)!.childCount, fileCount: 0 });
    }
    // Roll each directory's direct sums into it and its ancestors: O(directories x depth).
    for (const [id, o] of byParent) {
      if (!dirs.has(id) || (o.size === 0 && o.files === 0)) continue;
      for (let p: number | null | undefined = id; p !== null && p !== undefined; p = dirs.get(p)) {
        const t = totals.get(p);
        if (!t) break;
        t.aggregateSize += o.size;
        t.fileCount += o.files;
      }
    }
    const updates: EntryUpdate[] = [];
    for (const [id, t] of totals) updates.push({ id, ...t });
    await ctx.checkpoint({ force: true, atomicWith: () => void updateEntries(library, updates) });
    ctx.atomicOperationComplete(seen, seen);
    return Continue;
  },
});
