import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import { DEFAULT_RULES } from '../../../src/jobs/indexer/rules.js';
import { DIR, DirectoryLister, type Listing, nameAt } from '../../../src/jobs/indexer/walk/listDirectory.js';
import { ReadAhead, readAheadDefaults } from '../../../src/jobs/indexer/walk/ReadAhead.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { runJob } from '../../../src/machines/runJob.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { runCrashPoints } from '../../../src/testing/runCrashPoints.js';
import { tempDir } from '../../machines/helpers.js';
import { libraryWorld, tableRows } from '../../testing/libraryWorld.js';
import { entryIndexes } from './entryIndexes.js';
import { makeTree } from './tree.js';

/** The built worker (vitest's globalSetup builds dist/): the sources alone always read inline. */
const WORKER = pathToFileURL(
  path.resolve(import.meta.dirname, '../../../dist/jobs/indexer/walk/walkWorker.js'),
);
const saved = { ...readAheadDefaults };
afterEach(() => Object.assign(readAheadDefaults, saved, { workerUrl: undefined }));

/** Read ahead by the worker from the first directory on, at most `ahead` entries ahead of the job. */
function useWorker(ahead = 8) {
  Object.assign(readAheadDefaults, { workerUrl: WORKER, inlineFirst: 0, ahead });
}

/** A tree with every kind of listing: nested dirs, symlinks, a non-UTF-8 name, a FIFO, .gitignore files. */
function richTree(): string {
  const root = path.join(tempDir(), 'tree');
  makeTree(root);
  fs.writeFileSync(path.join(root, '.gitignore'), '*.log\n!keep.log\n/build/\n');
  fs.mkdirSync(path.join(root, 'build'));
  fs.writeFileSync(path.join(root, 'build', 'out.o'), 'o');
  fs.writeFileSync(path.join(root, 'x.log'), 'log');
  fs.writeFileSync(path.join(root, 'keep.log'), 'log');
  fs.mkdirSync(path.join(root, 'sub', 'inner'), { recursive: true });
  fs.writeFileSync(path.join(root, 'sub', '.gitignore'), 'inner/\n');
  fs.writeFileSync(path.join(root, 'sub', 'inner', 'z'), 'z');
  for (let d = 0; d < 12; d++) {
    for (let f = 0; f < 9; f++) {
      fs.mkdirSync(path.join(root, 'many', `d${d}`), { recursive: true });
      fs.writeFileSync(path.join(root, 'many', `d${d}`, `f${f}.txt`), `${d}/${f}`);
    }
  }
  const fifo = path.join(root, 'pipe');
  // mkfifo is there on Linux; without it the tree simply has no FIFO.
  try {
    execFileSync('mkfifo', [fifo]);
  } catch {}
  return root;
}

/** What a listing says, comparable across threads (errors as name, message and code). */
function plain(listing: Listing) {
  const err = (e: unknown) => {
    if (e === undefined) return undefined;
    const x = e as { name: string; message: string; code?: string };
    return { name: x.name, message: x.message, code: x.code };
  };
  return {
    path: Buffer.from(listing.path).toString('latin1'),
    error: err(listing.error),
    gitignore: listing.gitignore,
    names: Buffer.from(listing.names).toString('latin1'),
    ends: [...listing.ends],
    codes: [...listing.codes],
    stats: [...listing.stats],
    links: Object.fromEntries(
      Object.entries(listing.links).map(([k, v]) => [k, v && Buffer.from(v).toString('latin1')]),
    ),
    errors: listing.errors.map((e) => ({ index: e.index, op: e.op, error: err(e.error) })),
  };
}

/** Walk like discovery: a stack, each listing's directories pushed in order, the last pushed read next. */
async function walk(
  root: string,
  read: (dir: { path: Uint8Array; rel: string }) => Listing | Promise<Listing>,
) {
  const stack = [{ path: Buffer.from(root) as Uint8Array, rel: '' }];
  const out: ReturnType<typeof plain>[] = [];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const listing = await read(dir);
    out.push(plain(listing));
    for (let i = 0; i < listing.codes.length; i++) {
      if (listing.codes[i] !== DIR) continue;
      const name = nameAt(listing, i);
      stack.push({
        path: Buffer.concat([dir.path, Buffer.from('/'), name]),
        rel: dir.rel === '' ? name.toString() : `${dir.rel}/${name.toString()}`,
      });
    }
  }
  return out;
}

const rules = { ...DEFAULT_RULES, gitignore: true };

describe('the walk read ahead in a worker thread', () => {
  it('hands out the same listings as reading inline, in the same order, waiting on the job when ahead', async () => {
    const root = richTree();
    const inline = new DirectoryLister({ rules, gitignores: {} });
    const expected = await walk(root, (dir) => inline.list(dir.path, dir.rel));
    expect(expected.length).toBeGreaterThan(15);
    const stack: { path: Uint8Array; rel: string }[] = [];
    const reader = new ReadAhead({
      rules,
      recursive: true,
      gitignores: () => ({}),
      stack: () => stack,
      inlineFirst: 0,
      ahead: 4,
      workerUrl: WORKER,
    });
    try {
      const got = await walk(root, (dir) => reader.take(dir));
      expect(reader.threaded).toBe(true); // never fell back: every listing was the one asked for
      expect(got).toEqual(expected);
    } finally {
      await reader.close();
    }
  });

  it('drops a worker out of step and reads on inline, the same listings', async () => {
    const root = richTree();
    const reader = new ReadAhead({
      rules,
      recursive: true,
      gitignores: () => ({}),
      stack: () => [],
      inlineFirst: 0,
      workerUrl: WORKER,
    });
    try {
      const first = await reader.take({ path: Buffer.from(root), rel: '' });
      expect(plain(first).path).toBe(root);
      expect(reader.threaded).toBe(true);
      // Not the directory the worker reads next (the last one the root pushed): it is read here instead.
      const other = { path: Buffer.from(path.join(root, 'docs')), rel: 'docs' };
      const got = await reader.take(other);
      expect(reader.threaded).toBe(false);
      expect(plain(got)).toEqual(
        plain(new DirectoryLister({ rules, gitignores: {} }).list(other.path, other.rel)),
      );
    } finally {
      await reader.close();
    }
  });

  it('indexes the same library as reading inline: a first index, then a re-index of new, modified, moved and deleted entries', async () => {
    const root = richTree();
    const dir = tempDir();
    const libraries = { inline: path.join(dir, 'inline.db'), worker: path.join(dir, 'worker.db') };
    const indexBoth = async () => {
      const rows: Record<string, unknown> = {};
      for (const [name, file] of Object.entries(libraries)) {
        if (name === 'worker') useWorker(3);
        else Object.assign(readAheadDefaults, saved, { workerUrl: undefined });
        const library = openLibrary(file);
        try {
          const result = await runJob(
            indexerJob,
            { path: root, batchSize: 7, rules: { gitignore: true } },
            { store: new SqliteStore(library.db), deps: { library } },
          ).result;
          expect(result.status).toBe('completed');
          rows[name] = { output: result.output, errors: result.errors, tables: tableRows(library.db) };
        } finally {
          library.close();
        }
      }
      expect(rows.worker).toEqual(rows.inline);
      return rows.inline as { output: { new: number; modified: number; moved: number; deleted: number } };
    };
    const first = await indexBoth();
    expect(first.output.new).toBeGreaterThan(100);
    fs.writeFileSync(path.join(root, 'many', 'd3', 'new.txt'), 'new');
    fs.writeFileSync(path.join(root, 'many', 'd4', 'f1.txt'), 'changed, longer');
    fs.renameSync(path.join(root, 'many', 'd5'), path.join(root, 'sub', 'd5-moved'));
    fs.renameSync(path.join(root, 'many', 'd6', 'f2.txt'), path.join(root, 'many', 'd0', 'f2-moved.txt'));
    fs.rmSync(path.join(root, 'many', 'd7'), { recursive: true });
    const again = await indexBoth();
    expect(again.output).toMatchObject({ new: 1, modified: 1, moved: 2 });
    expect(again.output.deleted).toBe(10);
  });

  it('crash points with the worker reading ahead: each point crashed and resumed ends as an uninterrupted run', async () => {
    useWorker(5);
    const root = path.join(tempDir(), 'small');
    for (let d = 0; d < 4; d++) {
      for (let f = 0; f < 6; f++) {
        fs.mkdirSync(path.join(root, `d${d}`, `e${d % 2}`), { recursive: true });
        fs.writeFileSync(path.join(root, `d${d}`, `e${d % 2}`, `f${f}`), `${d}.${f}`);
      }
    }
    const file = path.join(tempDir(), 'crash.db');
    const world = libraryWorld(file, { extra: () => entryIndexes(file) });
    const report = await runCrashPoints(
      indexerJob,
      { path: root, batchSize: 4 },
      {
        setup: world.fresh,
        normalize: (o) => ({ ...o, state: { ...(o.state as object), nextId: 0, endId: 0 } }),
      },
    );
    expect(report.reference.status).toBe('completed');
    expect(report.points.length).toBeGreaterThanOrEqual(10);
    expect(report.unreached).toEqual([]);
    expect(report.mismatches.map((m) => m.message)).toEqual([]);
  });
});
