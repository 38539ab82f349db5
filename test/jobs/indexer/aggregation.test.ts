import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { aggregation } from '../../../src/jobs/indexer/phases/aggregation.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import type { NewEntry } from '../../../src/jobs/library/types.js';
import { makeTempDir } from '../makeTempDir.js';
import {
  getEntry,
  insertEntries,
  reserveEntryIds,
  updateEntries,
} from '../../../src/jobs/library/entries.js';
import { upsertLocation } from '../../../src/jobs/library/locations.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

/**
 * A location of `files` files under 200 directories four levels deep, written straight into the library, with
 * a few directories moved under a parent of a higher id (as a move found by a re-index leaves them), and the
 * totals each directory must get, computed here by walking the tree.
 */
function makeLocation(library: Library, files: number) {
  const location = upsertLocation(library, '/big');
  const root = location.rootEntryId;
  const parentOf = new Map<number, number>();
  const kindOf = new Map<number, string>();
  const sizeOf = new Map<number, number>();
  const dirs: number[] = [root];
  const batch: NewEntry[] = [];
  let next = reserveEntryIds(library, files + 200);
  const add = (parentId: number, kind: 'file' | 'dir' | 'symlink', size: number) => {
    const id = next++;
    batch.push({ id, locationId: location.id, parentId, name: Buffer.from(`n${id}`), kind, size });
    parentOf.set(id, parentId);
    kindOf.set(id, kind);
    sizeOf.set(id, size);
    return id;
  };
  library.db.transaction(() => {
    for (let i = 0; i < 200; i++) dirs.push(add(dirs[Math.floor(i / 4)], 'dir', 0));
    for (let i = 0; i < files; i++) add(dirs[i % dirs.length], i % 97 === 0 ? 'symlink' : 'file', i % 1000);
    insertEntries(library, batch);
    // Move ten directories under the last one (a higher id than theirs).
    const last = dirs[dirs.length - 1];
    for (const d of dirs.slice(150, 160)) parentOf.set(d, last);
    updateEntries(
      library,
      dirs.slice(150, 160).map((id) => ({ id, parentId: last })),
    );
  })();
  const expected = new Map<number, { aggregateSize: number; childCount: number; fileCount: number }>();
  for (const d of dirs) expected.set(d, { aggregateSize: 0, childCount: 0, fileCount: 0 });
  for (const [id, parent] of parentOf) {
    expected.get(parent)!.childCount++;
    if (kindOf.get(id) === 'dir') continue;
    for (let p: number | undefined = parent; p !== undefined; p = parentOf.get(p)) {
      expected.get(p)!.aggregateSize += sizeOf.get(id)!;
      if (kindOf.get(id) === 'file') expected.get(p)!.fileCount++;
    }
  }
  return { location, expected };
}

describe('indexer aggregation', () => {
  const temps: ReturnType<typeof makeTempDir>[] = [];
  afterEach(() => {
    for (const t of temps.splice(0)) t.cleanup();
  });

  it('streams 50,000 entries: the same totals, and memory bounded by directories, not entries', async () => {
    const temp = makeTempDir();
    temps.push(temp);
    const library = openLibrary(path.join(temp.dir, 'library.db'));
    const files = 50_000;
    const { location, expected } = makeLocation(library, files);
    let peak = 0;
    const sample = () => {
      peak = Math.max(peak, heap());
    };
    const ctx = {
      state: {
        locationId: location.id,
        counts: { new: files, modified: 0, moved: 0, deleted: 0, files, dirs: 200, symlinks: 0 },
      },
      input: {},
      deps: { library },
      clock: { now: () => 0, setTimeout: (fn: () => void) => setTimeout(fn, 0), clearTimeout },
      checkpoint: async (opts: { atomicWith?: () => void }) => {
        sample();
        library.db.transaction(() => opts.atomicWith?.())();
      },
      // Called while the walk is under way (the old in-memory walk called it every 10,000 files).
      atomicOperationComplete: sample,
      reportProgress: () => {},
      checkInterrupt: () => {},
    };
    const before = heap();
    await aggregation.execute(ctx as never);
    const growth = peak - before;
    // Measured: ~2 MiB streaming (one page of rows); ~7 MiB when every entry was held in memory.
    expect(growth).toBeLessThan(3 * 1024 * 1024);
    for (const [id, totals] of expected) {
      const row = getEntry(library, id)!;
      expect({
        aggregateSize: row.aggregateSize,
        childCount: row.childCount,
        fileCount: row.fileCount,
      }).toEqual(totals);
    }
    console.log(`aggregation of ${files} entries: heap growth ${(growth / 1024 / 1024).toFixed(2)} MiB`);
    library.close();
  });
});
