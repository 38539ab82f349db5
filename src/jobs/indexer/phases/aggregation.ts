import { Continue, phase } from '../../../index.js';
import type { EntryUpdate } from '../../library/types.js';
import type { IndexerDeps, IndexerInput, IndexerState } from '../types.js';
import { checkpointRetryingBusy } from '../../library/checkpointRetryingBusy.js';

/**
 * Directory totals, bottom-up: each directory's aggregate size (bytes of files and links below it), its
 * direct child count and the number of files in its subtree. Computed in memory from one pass over the
 * location's entries and written with the checkpoint in one transaction.
 */
export const aggregation = phase<IndexerState, IndexerInput, IndexerDeps>({
  name: 'aggregation',
  when: (input) => !input.ephemeral,
  async execute(ctx) {
    const library = ctx.deps.library!;
    const { counts } = ctx.state;
    const location = library.getLocation(ctx.state.locationId!);
    if (
      location?.lastIndexedAt != null &&
      counts.new + counts.modified + counts.moved + counts.deleted === 0
    ) {
      // Nothing changed since a complete run: the totals in the library are right as they are.
      return Continue;
    }
    const ids: number[] = [];
    const parent = new Map<number, number | null>();
    const own = new Map<number, { size: number; kind: string }>();
    const rows = library.db
      .prepare('SELECT id, parent_id, kind, size FROM entries WHERE location_id = ? ORDER BY id')
      .raw()
      .all(ctx.state.locationId) as [number, number | null, string, number][];
    for (const [id, parentId, kind, size] of rows) {
      ids.push(id);
      parent.set(id, parentId);
      own.set(id, { size, kind });
    }
    const totals = new Map<number, { aggregateSize: number; childCount: number; fileCount: number }>();
    for (const id of ids)
      if (own.get(id)!.kind === 'dir') totals.set(id, { aggregateSize: 0, childCount: 0, fileCount: 0 });
    let done = 0;
    for (const id of ids) {
      const { size, kind } = own.get(id)!;
      const direct = parent.get(id);
      if (direct !== null && direct !== undefined) {
        const t = totals.get(direct);
        if (t) t.childCount++;
      }
      if (kind === 'dir') continue;
      // Walk up: depth is small, so this is O(entries x depth).
      for (let p = direct; p !== null && p !== undefined; p = parent.get(p)) {
        const t = totals.get(p);
        if (!t) break;
        t.aggregateSize += size;
        if (kind === 'file') t.fileCount++;
      }
      if (++done % 10_000 === 0) ctx.atomicOperationComplete(done, ids.length);
    }
    const updates: EntryUpdate[] = [];
    for (const [id, t] of totals) updates.push({ id, ...t });
    await checkpointRetryingBusy(ctx, { force: true, atomicWith: () => void library.updateEntries(updates) });
    ctx.atomicOperationComplete(ids.length, ids.length);
    return Continue;
  },
});
