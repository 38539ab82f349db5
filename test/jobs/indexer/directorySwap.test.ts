import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import { nativeListDirDefaults, usesNativeListDir } from '../../../src/jobs/fs/nativeListDir.js';
import { readAheadDefaults } from '../../../src/jobs/indexer/walk/ReadAhead.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { runJob } from '../../../src/machines/runJob.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { resetNativeReader, swapSub, swapTree } from '../swapTree.js';

const restore: (() => void)[] = [];
afterEach(() => {
  for (const undo of restore.splice(0)) undo();
  resetNativeReader();
});

/** `tree/sub/` with two files; `outside/` with files the index must never record. */
const world = () => swapTree({ top: 'top', inside: 'in', secret: 'secret', ext: 'txt' });

/** Put `outside` where `tree/sub` was (as a symlink, or the directory itself), keeping `sub` aside. */
const swap = (w: ReturnType<typeof world>, how: 'symlink' | 'directory') => swapSub(w.tree, w.outside, how);

/**
 * Run `fn` once, right after the root's listing through `fs`: after the `lstat` of its last entry
 * (`top.txt`; the listing reads the names, then `lstat`s each in order).
 */
function afterListingOf(dir: string, fn: () => void) {
  const original = fs.lstatSync;
  let done = false;
  (fs as { lstatSync: unknown }).lstatSync = (...args: unknown[]) => {
    const result = (original as (...a: unknown[]) => unknown).apply(fs, args);
    if (!done && String(args[0]) === path.join(dir, 'top.txt')) {
      done = true;
      fn();
    }
    return result;
  };
  restore.push(() => {
    (fs as { lstatSync: unknown }).lstatSync = original;
  });
}

/** The moment after the root's listing, for each way the walk reads a directory. */
const readers = {
  fs: { native: false, afterRootListing: afterListingOf },
  native: {
    native: true,
    afterRootListing: (dir: string, fn: () => void) => {
      nativeListDirDefaults.afterList = (p) => {
        if (p.toString() !== dir) return;
        nativeListDirDefaults.afterList = undefined;
        fn();
      };
    },
  },
};

async function indexOf(w: ReturnType<typeof world>) {
  // Inline: the hooks are in this thread, the walk's worker is not.
  const saved = readAheadDefaults.inlineFirst;
  readAheadDefaults.inlineFirst = Number.POSITIVE_INFINITY;
  restore.push(() => {
    readAheadDefaults.inlineFirst = saved;
  });
  const library = openLibrary(path.join(w.base, 'library.db'));
  try {
    const result = await runJob(
      indexerJob,
      { path: w.tree, mode: 'shallow' },
      { store: new SqliteStore(library.db), deps: { library } },
    ).result;
    expect(result.status).toBe('completed');
    const names = (library.db.prepare('SELECT name_text FROM entries').all() as { name_text: string }[])
      .map((r) => r.name_text)
      .sort();
    return { names, errors: result.errors };
  } finally {
    library.close();
  }
}

describe.each(Object.entries(readers))(
  'indexer: a directory swapped after its parent was read (%s)',
  (_, reader) => {
    for (const how of ['symlink', 'directory'] as const) {
      it(`for a ${how}: not read, nothing of what is there now recorded, a non-fatal error naming it`, async () => {
        const w = world();
        nativeListDirDefaults.enabled = reader.native;
        expect(usesNativeListDir()).toBe(reader.native);
        const listings = nativeListDirDefaults.listings;
        reader.afterRootListing(w.tree, () => swap(w, how));
        const { names, errors } = await indexOf(w);
        expect(names.filter((n) => n.startsWith('secret'))).toEqual([]);
        expect(names).toEqual(['sub', 'top.txt', w.tree].sort());
        expect(
          errors.some((e) =>
            /sub changed during the walk \(no longer the directory its parent listed\)/.test(e.message),
          ),
        ).toBe(true);
        expect(nativeListDirDefaults.listings > listings).toBe(reader.native);
      });
    }

    it('with nothing swapped, records the files inside', async () => {
      nativeListDirDefaults.enabled = reader.native;
      const w = world();
      const { names, errors } = await indexOf(w);
      expect(names).toEqual(['in-1.txt', 'in-2.txt', 'sub', 'top.txt', w.tree].sort());
      expect(errors).toEqual([]);
    });
  },
);
