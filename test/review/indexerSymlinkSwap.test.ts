import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { indexerJob } from '../../src/jobs/indexer/indexerJob.js';
import { entriesOfLocation, pathOf } from '../../src/jobs/library/entries.js';
import { openLibrary } from '../../src/jobs/library/openLibrary.js';
import { pathToFileURL } from 'node:url';
import { readAheadDefaults } from '../../src/jobs/indexer/walk/ReadAhead.js';
import { resumeJob } from '../../src/machines/resumeJob.js';
import { runJob } from '../../src/machines/runJob.js';
import { SqliteStore } from '../../src/persistence/stores/SqliteStore.js';
import { tempDir } from '../machines/helpers.js';

const saved = { ...readAheadDefaults };
afterEach(() => {
  vi.restoreAllMocks();
  Object.assign(readAheadDefaults, saved, { workerUrl: undefined });
});

/** The built worker (vitest's globalSetup builds dist/). */
const WORKER = pathToFileURL(path.resolve(import.meta.dirname, '../../dist/jobs/indexer/walk/walkWorker.js'));

function outsideAndTree() {
  const dir = tempDir();
  const root = path.join(dir, 'tree');
  const outside = path.join(dir, 'outside');
  fs.mkdirSync(path.join(root, 'a'), { recursive: true });
  fs.writeFileSync(path.join(root, 'a', 'inside.txt'), 'in');
  for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(root, `f${i}`), `${i}`);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
  return { dir, root, outside };
}

/**
 * A directory seen as a directory by its parent's listing, then swapped for a symlink to a tree outside the
 * location before it is itself read: the walk must not follow the link (nothing from outside the location
 * may enter the library under the location's paths, where a delete or copy would then act on it).
 */
describe('review: a directory swapped for a symlink during the walk', () => {
  it('is not followed: no entry of the outside tree is recorded', async () => {
    const dir = tempDir();
    const root = path.join(dir, 'tree');
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(path.join(root, 'a'), { recursive: true });
    fs.writeFileSync(path.join(root, 'a', 'inside.txt'), 'in');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
    const a = Buffer.from(path.join(root, 'a'));
    const lstat = fs.lstatSync;
    let swapped = false;
    // The hook: right after the walk's lstat of root/a said "directory", root/a becomes a link to outside.
    vi.spyOn(fs, 'lstatSync').mockImplementation(((p: fs.PathLike, o?: fs.StatSyncOptions) => {
      const st = lstat(p, o as never);
      if (!swapped && Buffer.isBuffer(p) && p.equals(a)) {
        swapped = true;
        fs.renameSync(path.join(root, 'a'), path.join(dir, 'a-moved'));
        fs.symlinkSync(outside, path.join(root, 'a'));
      }
      return st;
    }) as typeof fs.lstatSync);
    const library = openLibrary(path.join(dir, 'library.db'));
    try {
      const store = new SqliteStore(library.db);
      const run = runJob(indexerJob, { path: root }, { store, deps: { library } });
      const result = await run.result;
      expect(swapped).toBe(true);
      expect(result.status, JSON.stringify(result.failure)).toBe('completed');
      const paths = [...entriesOfLocation(library, result.output!.locationId!)].map((r) =>
        pathOf(library, r.id).toString('utf8'),
      );
      expect(paths.filter((p) => p.endsWith('secret.txt'))).toEqual([]);
    } finally {
      library.close();
    }
  });

  it('is not followed by the worker thread reading a resumed walk whose checkpoint listed it as a directory', async () => {
    const { dir, root, outside } = outsideAndTree();
    const library = openLibrary(path.join(dir, 'library.db'));
    try {
      const store = new SqliteStore(library.db);
      const run = runJob(indexerJob, { path: root, batchSize: 1 }, { store, deps: { library } });
      // The hook: the first checkpoint whose stack still holds root/a (the root's listing is committed) asks
      // for the pause at once, so the walk stops before it reads root/a.
      let paused: Promise<void> | undefined;
      await new Promise<void>((resolve) => {
        const sub = run.events$.subscribe((e) => {
          const stack = (run.state as { stack?: { rel: string }[] }).stack ?? [];
          if (e.type === 'checkpointed' && stack.some((d) => d.rel === 'a')) {
            sub.unsubscribe();
            paused = run.pause();
            resolve();
          }
        });
      });
      await paused;
      expect((run.state as { stack: { rel: string }[] }).stack.map((d) => d.rel)).toContain('a');
      expect(run.position.step).toBe('paused');
      run.stop();
      fs.renameSync(path.join(root, 'a'), path.join(dir, 'a-moved'));
      fs.symlinkSync(outside, path.join(root, 'a'));
      Object.assign(readAheadDefaults, { workerUrl: WORKER, inlineFirst: 0, ahead: 8 });
      const resumed = await resumeJob(indexerJob, run.id, { store, deps: { library } });
      const result = await resumed.result;
      expect(result.status, JSON.stringify(result.failure)).toBe('completed');
      const paths = [...entriesOfLocation(library, result.output!.locationId!)].map((r) =>
        pathOf(library, r.id).toString('utf8'),
      );
      expect(paths.filter((p) => p.endsWith('secret.txt'))).toEqual([]);
    } finally {
      library.close();
    }
  });
});
