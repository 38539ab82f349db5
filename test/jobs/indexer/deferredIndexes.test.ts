import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import { contentPhaseDefaults } from '../../../src/jobs/indexer/phases/content.js';
import { deferIndexes } from '../../../src/jobs/indexer/writes/deferredIndexes.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { resumeJob, runJob } from '../../../src/index.js';
import { SqliteStore } from '../../../src/sqlite.js';
import { tempDir } from '../../machines/helpers.js';
import { tableRows } from '../../testing/libraryWorld.js';
import { entryIndexes } from './entryIndexes.js';

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

function tree(name: string, dirs = 8, files = 30): string {
  const root = path.join(tempDir(), name);
  for (let d = 0; d < dirs; d++) {
    fs.mkdirSync(path.join(root, `d${d}`, 'sub'), { recursive: true });
    for (let f = 0; f < files; f++)
      fs.writeFileSync(path.join(root, `d${d}`, f % 2 ? 'sub' : '', `f${f}`), `${d}.${f}`);
  }
  return root;
}

function library(file = path.join(tempDir(), 'library.db')) {
  const lib = openLibrary(file);
  open.push(lib);
  return { lib, file, store: new SqliteStore(lib.db) };
}

/** The indexes a library has right after its migrations: what every finished index must leave. */
const NEW_LIBRARY_INDEXES = entryIndexes(library().file);

/** Pause `run` at the first checkpoint after which `when()` holds. */
async function pauseAtCheckpoint(run: ReturnType<typeof runJob>, when: () => boolean): Promise<void> {
  await new Promise<void>((resolve) => {
    const sub = run.events$.subscribe((e) => {
      if (e.type === 'checkpointed' && when()) {
        sub.unsubscribe();
        resolve();
      }
    });
  });
  await run.pause();
}

const deferred = (lib: Library) =>
  lib.db.prepare('SELECT name FROM library_deferred_indexes ORDER BY name').pluck().all();

describe("a new library's secondary indexes, built after the first index's walk", () => {
  it('are dropped and recorded during the walk, and back, exactly as defined, when the index ends', async () => {
    const { lib, file, store } = library();
    expect(NEW_LIBRARY_INDEXES.some((sql) => sql.includes('entries_by_inode'))).toBe(true);
    const run = runJob(indexerJob, { path: tree('t'), batchSize: 10 }, { store, deps: { library: lib } });
    const during: { indexes: string[]; deferred: unknown[] }[] = [];
    run.events$.subscribe((e) => {
      if (e.type === 'checkpointed' && run.position.phase === 'discovery') {
        during.push({ indexes: entryIndexes(file), deferred: deferred(lib) });
      }
    });
    const result = await run.result;
    expect(result.status).toBe('completed');
    const mid = during[Math.floor(during.length / 2)];
    expect(mid.deferred).toEqual(['entries_by_inode', 'entries_files_by_size']);
    expect(mid.indexes.some((sql) => sql.includes('entries_by_inode'))).toBe(false);
    expect(entryIndexes(file)).toEqual(NEW_LIBRARY_INDEXES);
    expect(deferred(lib)).toEqual([]);
  });

  it('stay in place for an index into a library that has entries', async () => {
    const { lib, file, store } = library();
    const first = await runJob(indexerJob, { path: tree('a') }, { store, deps: { library: lib } }).result;
    expect(first.status).toBe('completed');
    const run = runJob(indexerJob, { path: tree('b'), batchSize: 10 }, { store, deps: { library: lib } });
    const seen: string[][] = [];
    run.events$.subscribe((e) => {
      if (e.type === 'checkpointed') seen.push(entryIndexes(file));
    });
    expect((await run.result).status).toBe('completed');
    expect(seen.length).toBeGreaterThan(10);
    for (const indexes of seen) expect(indexes).toEqual(NEW_LIBRARY_INDEXES);
  });

  it('come back when the index is paused mid-walk; resumed, it ends with the library of an uninterrupted run', async () => {
    const root = tree('p', 12);
    const reference = library();
    await runJob(
      indexerJob,
      { path: root, batchSize: 10 },
      { store: reference.store, deps: { library: reference.lib } },
    ).result;
    const { lib, file, store } = library();
    const run = runJob(indexerJob, { path: root, batchSize: 10 }, { store, deps: { library: lib } });
    await pauseAtCheckpoint(run, () => (run.state as { counts: { files: number } }).counts.files > 100);
    expect(run.position.step).toBe('paused');
    expect(entryIndexes(file)).toEqual(NEW_LIBRARY_INDEXES);
    expect(deferred(lib)).toEqual([]);
    run.stop();
    const resumed = await resumeJob(indexerJob, run.id, { store, deps: { library: lib } });
    expect((await resumed.result).status).toBe('completed');
    expect(entryIndexes(file)).toEqual(NEW_LIBRARY_INDEXES);
    expect(tableRows(lib.db)).toEqual(tableRows(reference.lib.db));
  });

  it('left recorded by a first index that never ended, are built by the next index before it walks', async () => {
    const { lib, file, store } = library();
    expect(
      (await runJob(indexerJob, { path: tree('a') }, { store, deps: { library: lib } }).result).status,
    ).toBe('completed');
    // What a first index killed mid-walk and never resumed leaves behind.
    lib.db.transaction(() => deferIndexes(lib))();
    expect(deferred(lib)).toEqual(['entries_by_inode', 'entries_files_by_size']);
    const run = runJob(indexerJob, { path: tree('b'), batchSize: 10 }, { store, deps: { library: lib } });
    const seen: string[][] = [];
    run.events$.subscribe((e) => {
      if (e.type === 'checkpointed' && run.position.phase === 'discovery') seen.push(entryIndexes(file));
    });
    expect((await run.result).status).toBe('completed');
    expect(seen[1]).toEqual(NEW_LIBRARY_INDEXES);
    expect(entryIndexes(file)).toEqual(NEW_LIBRARY_INDEXES);
    expect(deferred(lib)).toEqual([]);
  });
});

describe("a library's first content ids, written without entries_by_content_id", () => {
  const saved = { ...contentPhaseDefaults };
  afterEach(() => Object.assign(contentPhaseDefaults, saved));

  const contentIndex = (file: string) =>
    entryIndexes(file).filter((sql) => sql.includes('entries_by_content_id'));

  it('the index is set aside by the first batch, and back, exactly as defined, when the phase ends', async () => {
    Object.assign(contentPhaseDefaults, { deferIndexFrom: 10 });
    const { lib, file, store } = library();
    const defined = contentIndex(file);
    expect(defined).toHaveLength(1);
    const run = runJob(
      indexerJob,
      { path: tree('c'), mode: 'content', batchSize: 20 },
      { store, deps: { library: lib } },
    );
    const during: { indexes: string[]; deferred: unknown[] }[] = [];
    run.events$.subscribe((e) => {
      if (e.type === 'checkpointed' && run.position.phase === 'content')
        during.push({ indexes: contentIndex(file), deferred: deferred(lib) });
    });
    expect((await run.result).status).toBe('completed');
    expect(during.length).toBeGreaterThan(3);
    // The phase's first checkpoint (entering it) still has the index; every batch's after it does not.
    expect(during[0]).toEqual({ indexes: defined, deferred: [] });
    for (const d of during.slice(1)) {
      expect(d.indexes).toEqual([]);
      expect(d.deferred).toEqual(['entries_by_content_id']);
    }
    expect(entryIndexes(file)).toEqual(NEW_LIBRARY_INDEXES);
    expect(deferred(lib)).toEqual([]);
  });

  it('stays in place when the library has content ids already, or the files are fewer than deferIndexFrom', async () => {
    Object.assign(contentPhaseDefaults, { deferIndexFrom: 10 });
    const { lib, file, store } = library();
    await runJob(indexerJob, { path: tree('x', 2, 10), mode: 'content' }, { store, deps: { library: lib } })
      .result;
    const run = runJob(
      indexerJob,
      { path: tree('y'), mode: 'content', batchSize: 20 },
      { store, deps: { library: lib } },
    );
    const seen: string[][] = [];
    run.events$.subscribe((e) => {
      if (e.type === 'checkpointed' && run.position.phase === 'content') seen.push(contentIndex(file));
    });
    expect((await run.result).status).toBe('completed');
    expect(seen.length).toBeGreaterThan(3);
    for (const indexes of seen) expect(indexes).toHaveLength(1);

    Object.assign(contentPhaseDefaults, { deferIndexFrom: 1_000_000 });
    const fresh = library();
    const small = runJob(
      indexerJob,
      { path: tree('z'), mode: 'content', batchSize: 20 },
      { store: fresh.store, deps: { library: fresh.lib } },
    );
    const kept: string[][] = [];
    small.events$.subscribe((e) => {
      if (e.type === 'checkpointed' && small.position.phase === 'content')
        kept.push(contentIndex(fresh.file));
    });
    expect((await small.result).status).toBe('completed');
    for (const indexes of kept) expect(indexes).toHaveLength(1);
  });

  it('paused mid-phase, the index comes back; resumed, the job ends with the library of an uninterrupted run', async () => {
    Object.assign(contentPhaseDefaults, { deferIndexFrom: 10 });
    const root = tree('q', 12);
    const reference = library();
    await runJob(
      indexerJob,
      { path: root, mode: 'content', batchSize: 20 },
      { store: reference.store, deps: { library: reference.lib } },
    ).result;
    const { lib, file, store } = library();
    const run = runJob(
      indexerJob,
      { path: root, mode: 'content', batchSize: 20 },
      { store, deps: { library: lib } },
    );
    await pauseAtCheckpoint(run, () => run.position.phase === 'content' && deferred(lib).length > 0);
    expect(run.position.step).toBe('paused');
    expect(entryIndexes(file)).toEqual(NEW_LIBRARY_INDEXES);
    expect(deferred(lib)).toEqual([]);
    run.stop();
    const resumed = await resumeJob(indexerJob, run.id, { store, deps: { library: lib } });
    expect((await resumed.result).status).toBe('completed');
    expect(entryIndexes(file)).toEqual(NEW_LIBRARY_INDEXES);
    expect(tableRows(lib.db)).toEqual(tableRows(reference.lib.db));
  });
});
