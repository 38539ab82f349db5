import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { duplicatesJob } from '../../../src/jobs/duplicates/duplicatesJob.js';
import type { DuplicatesOutput } from '../../../src/jobs/duplicates/types.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { nativeListDirDefaults, usesNativeListDir } from '../../../src/jobs/fs/nativeListDir.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { runJob } from '../../../src/index.js';
import { SqliteStore } from '../../../src/sqlite.js';
import { resetNativeReader, swapSub, swapTree } from '../swapTree.js';

const open: Library[] = [];
const restore: (() => void)[] = [];
afterEach(() => {
  for (const undo of restore.splice(0)) undo();
  resetNativeReader();
  for (const library of open.splice(0)) library.close();
});

/** `tree/` with one pair of equal files in `tree/sub/`; `outside/` with another pair the walk must never see. */
function world() {
  const { base, tree, outside } = swapTree({
    top: 'only one of these',
    inside: 'inside pair',
    secret: 'outside pair',
    ext: 'bin',
  });
  const library = openLibrary(path.join(base, 'library.db'));
  open.push(library);
  return { tree, outside, library, store: new SqliteStore(library.db) };
}

const swap = swapSub;

/** Run `fn` once, right after (or before) the first call of `fs[name]` that `when` picks. */
function hookOnce(
  name: 'readdirSync' | 'openSync',
  when: (arg: unknown) => boolean,
  fn: () => void,
  after = true,
) {
  const original = fs[name] as (...args: unknown[]) => unknown;
  let done = false;
  (fs as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
    const fire = !done && when(args[0]);
    if (fire) done = true;
    if (fire && !after) fn();
    const result = original.apply(fs, args);
    if (fire && after) fn();
    return result;
  };
  restore.push(() => {
    (fs as unknown as Record<string, unknown>)[name] = original;
  });
}

async function groupsOf(w: ReturnType<typeof world>) {
  const result = await runJob(
    duplicatesJob,
    { paths: [w.tree], mode: 'content' },
    { store: w.store, deps: { library: w.library } },
  ).result;
  expect(result.status).toBe('completed');
  const output = result.output as DuplicatesOutput;
  return {
    names: output.groups.map((g) => g.files.map((f) => path.basename(f.path)).sort()),
    errors: result.errors,
  };
}

const endsWith = (suffix: string) => (arg: unknown) =>
  (Buffer.isBuffer(arg) ? arg.toString() : String(arg)).endsWith(suffix);

/**
 * The moments of the race, for each way the walk reads a directory: through `fs` (the hooks wrap its calls;
 * a wrapped `fs.readdirSync` turns the native reader off by itself) and through the native reader (its own
 * hooks, at the same moments).
 */
const readers = {
  fs: {
    native: false,
    afterFirstListing: (fn: () => void) => hookOnce('readdirSync', () => true, fn),
    beforeOpening: (suffix: string, fn: () => void) => hookOnce('openSync', endsWith(suffix), fn, false),
  },
  native: {
    native: true,
    afterFirstListing: (fn: () => void) => {
      nativeListDirDefaults.afterList = () => {
        nativeListDirDefaults.afterList = undefined;
        fn();
      };
    },
    beforeOpening: (suffix: string, fn: () => void) => {
      nativeListDirDefaults.beforeOpen = (p) => {
        if (!endsWith(suffix)(p)) return;
        nativeListDirDefaults.beforeOpen = undefined;
        fn();
      };
    },
  },
};

describe.each(Object.entries(readers))(
  'duplicates: a directory swapped while the walk is under way (%s)',
  (_, reader) => {
    const start = () => {
      nativeListDirDefaults.enabled = reader.native;
      expect(usesNativeListDir()).toBe(reader.native);
      const listings = nativeListDirDefaults.listings;
      return () => expect(nativeListDirDefaults.listings > listings).toBe(reader.native);
    };

    it('for a symlink right after its parent was read: not walked into, nothing of outside/ reported', async () => {
      const w = world();
      const read = start();
      // The first directory read is the given path's: swap its child once that listing is made.
      reader.afterFirstListing(() => swap(w.tree, w.outside, 'symlink'));
      const { names } = await groupsOf(w);
      expect(names.flat().filter((n) => n.startsWith('secret'))).toEqual([]);
      read();
    });

    it('for a symlink as it is about to be opened: refused as a changed directory, a non-fatal error', async () => {
      const w = world();
      const read = start();
      reader.beforeOpening('/sub', () => swap(w.tree, w.outside, 'symlink'));
      const { names, errors } = await groupsOf(w);
      expect(names.flat().filter((n) => n.startsWith('secret'))).toEqual([]);
      expect(errors.some((e) => String(e.details?.path).endsWith('/sub') && e.details?.op === 'open')).toBe(
        true,
      );
      read();
    });

    it('for another directory as it is about to be opened: refused by its inode, nothing of it reported', async () => {
      const w = world();
      const read = start();
      reader.beforeOpening('/sub', () => swap(w.tree, w.outside, 'directory'));
      const { names, errors } = await groupsOf(w);
      expect(names.flat().filter((n) => n.startsWith('secret'))).toEqual([]);
      expect(errors.some((e) => String(e.details?.path).endsWith('/sub') && e.details?.op === 'open')).toBe(
        true,
      );
      read();
    });

    it('with nothing swapped, finds the pair inside', async () => {
      const read = start();
      const { names } = await groupsOf(world());
      expect(names).toEqual([['in-1.bin', 'in-2.bin']]);
      read();
    });
  },
);
