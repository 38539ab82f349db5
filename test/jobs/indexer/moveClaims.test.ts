import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import type { IndexerOutput } from '../../../src/jobs/indexer/types.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { runJob } from '../../../src/machines/runJob.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { runCrashPoints } from '../../../src/testing/runCrashPoints.js';
import { tempDir } from '../../machines/helpers.js';
import { libraryWorld } from '../../testing/libraryWorld.js';
import { entriesByPath } from './entriesByPath.js';

/**
 * Move detection claims each library entry at most once per run: an entry already moved in this run, or
 * taken by its own path (the same name, another kind or another inode), is no candidate for a new path; and a
 * candidate whose old path cannot exist any more (a parent now a file: ENOTDIR) is gone, not a fatal error.
 * After every re-index the library equals a clean index of the tree, and one more re-index changes nothing.
 *
 * ext4 lists a directory in the order of its names' hashes, so each case runs with its names both ways round
 * (one of the two puts the new path before the old one in the listing, the other after).
 */

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

async function index(file: string, root: string, batchSize?: number) {
  const library = openLibrary(file);
  open.push(library);
  const result = await runJob(
    indexerJob,
    { path: root, ...(batchSize ? { batchSize } : {}) },
    { store: new SqliteStore(library.db), deps: { library } },
  ).result;
  expect(result.status, JSON.stringify(result.failure)).toBe('completed');
  return { library, output: result.output! };
}

/** Index `root`, change it, re-index: equal to a clean index, and an index more changes nothing. */
async function reindexEqualsClean(
  root: string,
  change: () => void,
  { batchSize }: { batchSize?: number } = {},
): Promise<IndexerOutput> {
  const rows = (library: Library, locationId: number) => entriesByPath(library, locationId);
  const dir = path.dirname(root);
  const file = path.join(dir, `library-${path.basename(root)}.db`);
  const first = await index(file, root, batchSize);
  first.library.close();
  change();
  const again = await index(file, root, batchSize);
  const clean = await index(path.join(dir, `clean-${path.basename(root)}.db`), root, batchSize);
  const fresh = rows(clean.library, clean.output.locationId!);
  expect(rows(again.library, again.output.locationId!)).toEqual(fresh);
  expect(again.output).toMatchObject({
    files: clean.output.files,
    dirs: clean.output.dirs,
    symlinks: clean.output.symlinks,
  });
  again.library.close();
  const third = await index(file, root, batchSize);
  expect(third.output).toMatchObject({ new: 0, modified: 0, moved: 0, deleted: 0 });
  expect(rows(third.library, third.output.locationId!)).toEqual(fresh);
  return again.output;
}

const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};

describe('an entry is claimed at most once per re-index', () => {
  for (const [x, y] of [
    ['A', 'B'],
    ['B', 'A'],
  ]) {
    it(`a file renamed ${x} → ${y} and a directory made at ${x}`, async () => {
      const root = path.join(tempDir(), 'tree');
      write(path.join(root, x), 'one\n');
      const output = await reindexEqualsClean(root, () => {
        fs.renameSync(path.join(root, x), path.join(root, y));
        fs.mkdirSync(path.join(root, x));
      });
      expect(output.moved + output.modified).toBe(1);
    });

    it(`a file renamed ${x} → ${y} and a new file made at ${x} (another inode, the same kind)`, async () => {
      const root = path.join(tempDir(), 'tree');
      write(path.join(root, x), 'one\n');
      write(path.join(root, 'keep'), 'k');
      await reindexEqualsClean(root, () => {
        // Made before the old one moves, so it cannot reuse its inode.
        write(path.join(root, 'staging'), 'another file');
        fs.renameSync(path.join(root, x), path.join(root, y));
        fs.renameSync(path.join(root, 'staging'), path.join(root, x));
      });
    });

    it(`a file moved to another directory (${x}) and a new file made at its old path (${y})`, async () => {
      const root = path.join(tempDir(), 'tree');
      write(path.join(root, y, 'f'), 'moved');
      fs.mkdirSync(path.join(root, x));
      await reindexEqualsClean(
        root,
        () => {
          write(path.join(root, 'staging'), 'a new file, made first');
          fs.renameSync(path.join(root, y, 'f'), path.join(root, x, 'g'));
          fs.renameSync(path.join(root, 'staging'), path.join(root, y, 'f'));
        },
        { batchSize: 1 },
      );
    });
  }

  for (const batchSize of [1, 1000]) {
    it(`a hard link made elsewhere, its old name removed and linked again under a new name (batch ${batchSize})`, async () => {
      const root = path.join(tempDir(), 'tree');
      write(path.join(root, 'd1', 'A'), 'data\n');
      fs.mkdirSync(path.join(root, 'd3'));
      const output = await reindexEqualsClean(
        root,
        () => {
          fs.linkSync(path.join(root, 'd1', 'A'), path.join(root, 'd3', 'A2'));
          fs.rmSync(path.join(root, 'd1', 'A'));
          fs.linkSync(path.join(root, 'd3', 'A2'), path.join(root, 'd1', 'NEW'));
        },
        { batchSize },
      );
      expect(output.moved).toBe(1);
      expect(output.new).toBe(1);
    });
  }

  for (const [x, y] of [
    ['A', 'B'],
    ['B', 'A'],
  ]) {
    it(`two hard links, one moved up as ${x}, the other removed and its name (${y}) taken by a directory moved there`, async () => {
      const root = path.join(tempDir(), 'tree');
      write(path.join(root, 'a', 'b', x), 'linked\n');
      fs.linkSync(path.join(root, 'a', 'b', x), path.join(root, 'a', y));
      await reindexEqualsClean(root, () => {
        fs.renameSync(path.join(root, 'a', 'b', x), path.join(root, 'a', x));
        fs.rmSync(path.join(root, 'a', y));
        fs.renameSync(path.join(root, 'a', 'b'), path.join(root, 'a', y));
      });
    });
  }

  for (const [x, y] of [
    ['C', 'x'],
    ['x', 'C'],
  ]) {
    it(`a directory moved and a file in it (${x}) hard-linked beside it (${y}), in one batch`, async () => {
      const root = path.join(tempDir(), 'tree');
      write(path.join(root, 'yy', x), 'in the moved directory');
      write(path.join(root, 'yy', 'sub', 'deep'), 'deeper');
      await reindexEqualsClean(root, () => {
        fs.renameSync(path.join(root, 'yy'), path.join(root, 'A'));
        fs.linkSync(path.join(root, 'A', x), path.join(root, 'A', y));
        fs.linkSync(path.join(root, 'A', 'sub', 'deep'), path.join(root, 'A', 'sub', `${y}2`));
      });
    });
  }

  it('crash points of a re-index with such claims: each point crashed and resumed ends as an uninterrupted run', async () => {
    const dir = tempDir();
    const root = path.join(dir, 'tree');
    write(path.join(root, 'A'), 'one\n');
    write(path.join(root, 'B'), 'two\n');
    write(path.join(root, 'd1', 'A'), 'data\n');
    fs.mkdirSync(path.join(root, 'd3'));
    write(path.join(root, 'a', 'b', 'A'), 'linked\n');
    fs.linkSync(path.join(root, 'a', 'b', 'A'), path.join(root, 'a', 'B'));
    write(path.join(root, 'p', 'x'), 'x');
    const template = path.join(dir, 'template.db');
    (await index(template, root)).library.close();
    open.length = 0;
    fs.renameSync(path.join(root, 'A'), path.join(root, 'C'));
    fs.mkdirSync(path.join(root, 'A'));
    fs.renameSync(path.join(root, 'B'), path.join(root, 'A', 'B'));
    fs.mkdirSync(path.join(root, 'B'));
    fs.linkSync(path.join(root, 'd1', 'A'), path.join(root, 'd3', 'A2'));
    fs.rmSync(path.join(root, 'd1', 'A'));
    fs.linkSync(path.join(root, 'd3', 'A2'), path.join(root, 'd1', 'NEW'));
    fs.renameSync(path.join(root, 'a', 'b', 'A'), path.join(root, 'a', 'A'));
    fs.rmSync(path.join(root, 'a', 'B'));
    fs.renameSync(path.join(root, 'a', 'b'), path.join(root, 'a', 'B'));
    fs.renameSync(path.join(root, 'p', 'x'), path.join(root, 'y'));
    fs.rmdirSync(path.join(root, 'p'));
    fs.writeFileSync(path.join(root, 'p'), 'a file where a directory was');

    const world = libraryWorld(path.join(dir, 'crash.db'), { template });
    const report = await runCrashPoints(
      indexerJob,
      { path: root, batchSize: 1 },
      {
        setup: world.fresh,
        normalize: (o) => ({ ...o, state: { ...(o.state as object), nextId: 0, endId: 0 } }),
      },
    );
    expect(report.reference.status).toBe('completed');
    expect(report.points.length).toBeGreaterThanOrEqual(10);
    expect(report.unreached).toEqual([]);
    expect(report.mismatches.map((m) => m.message)).toEqual([]);
    // And the uninterrupted run is a clean index of the tree.
    const reference = openLibrary(path.join(dir, 'crash.db'));
    open.push(reference);
    const clean = await index(path.join(dir, 'clean.db'), root);
    const locationId = reference.db.prepare('SELECT id FROM locations').pluck().get() as number;
    expect(entriesByPath(reference, locationId)).toEqual(
      entriesByPath(clean.library, clean.output.locationId!),
    );
  });
});

describe('a move candidate whose old path cannot exist any more', () => {
  it('its old parent is now a file (ENOTDIR)', async () => {
    const root = path.join(tempDir(), 'tree');
    write(path.join(root, 'd', 'x'), '1\n');
    const output = await reindexEqualsClean(root, () => {
      fs.renameSync(path.join(root, 'd', 'x'), path.join(root, 'y'));
      fs.rmdirSync(path.join(root, 'd'));
      fs.writeFileSync(path.join(root, 'd'), 'file\n');
    });
    expect(output.moved).toBe(1);
  });

  it('its old parent is now a symlink to itself (ELOOP): not taken for moved, the job goes on', async () => {
    const root = path.join(tempDir(), 'tree');
    write(path.join(root, 'd', 'x'), '1\n');
    await reindexEqualsClean(root, () => {
      fs.renameSync(path.join(root, 'd', 'x'), path.join(root, 'y'));
      fs.rmdirSync(path.join(root, 'd'));
      fs.symlinkSync('d', path.join(root, 'd'));
    });
  });

  for (const [x, y] of [
    ['A', 'B'],
    ['B', 'A'],
  ]) {
    it(`a directory renamed ${x} → ${y} and a file made at ${x}`, async () => {
      const root = path.join(tempDir(), 'tree');
      write(path.join(root, 'a', x, 'inner', 'f'), 'f');
      write(path.join(root, 'a', x, 'g'), 'g');
      await reindexEqualsClean(root, () => {
        fs.renameSync(path.join(root, 'a', x), path.join(root, 'a', y));
        fs.writeFileSync(path.join(root, 'a', x), 'file\n');
      });
    });

    it(`a file (${x}) and a directory (${y}) swap names`, async () => {
      const root = path.join(tempDir(), 'tree');
      write(path.join(root, x), 'a file');
      write(path.join(root, y, 'child'), 'c');
      write(path.join(root, y, 'sub', 'deeper'), 'd');
      await reindexEqualsClean(root, () => {
        fs.renameSync(path.join(root, x), path.join(root, 'tmp'));
        fs.renameSync(path.join(root, y), path.join(root, x));
        fs.renameSync(path.join(root, 'tmp'), path.join(root, y));
      });
    });
  }
});
