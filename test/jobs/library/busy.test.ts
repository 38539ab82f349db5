import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { LibraryBusyError } from '../../../src/jobs/library/LibraryBusyError.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { runJob } from '../../../src/index.js';
import { SqliteStore } from '../../../src/sqlite.js';
import type { SnapshotStore } from '../../../src/persistence/types.js';
import { makeTempDir } from '../makeTempDir.js';
import { entriesOfLocation, getEntry, pathOf, reserveEntryIds } from '../../../src/jobs/library/entries.js';
import { listLocations, upsertLocation } from '../../../src/jobs/library/locations.js';

/** A tree of `files` small files in a few directories. */
function makeFiles(root: string, files: number) {
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, `d${i % 7}`, `e${i % 3}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `f${i}.txt`), `file ${i} `.repeat(1 + (i % 40)));
  }
}

/** Every entry of the library's locations, by path, with what an index records. */
function snapshotOf(library: Library) {
  const out: Record<string, unknown> = {};
  for (const location of listLocations(library)) {
    for (const row of [...entriesOfLocation(library, location.id)]) {
      const e = getEntry(library, row.id)!;
      out[pathOf(library, row.id).toString('latin1')] = [
        e.kind,
        e.size,
        e.aggregateSize,
        e.childCount,
        e.fileCount,
        e.contentId,
      ];
    }
  }
  return out;
}

/** A child process holding the library's write lock: it prints "locked", holds for `ms`, then commits. */
function holdWriteLock(file: string, ms: number): Promise<ChildProcess> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('CREATE TABLE IF NOT EXISTS other_writer (n INTEGER)');
    db.exec('BEGIN IMMEDIATE');
    db.prepare('INSERT INTO other_writer VALUES (1)').run();
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[2]));
  `;
  const child = spawn(process.execPath, ['-e', script, file, String(ms)], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('error', reject);
  });
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

describe('a busy library', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    temp = makeTempDir();
    file = path.join(temp.dir, 'library.db');
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill();
      await exited(child);
    }
    temp.cleanup();
  });

  it('an index survives another connection committing between a read and a write of every save', async () => {
    const root = path.join(temp.dir, 'tree');
    makeFiles(root, 120);
    const clean = openLibrary(path.join(temp.dir, 'clean.db'));
    const cleanRun = runJob(
      indexerJob,
      { path: root, mode: 'content', batchSize: 25 },
      { store: new SqliteStore(clean.db), deps: { library: clean } },
    );
    expect((await cleanRun.result).status).toBe('completed');

    const library = openLibrary(file);
    const store = new SqliteStore(library.db);
    // Connection B: another writer on the same file.
    const other = new Database(file, { timeout: 5000 });
    other.exec('CREATE TABLE IF NOT EXISTS other_writer (n INTEGER)');
    const commitFromB = other.prepare('INSERT INTO other_writer VALUES (1)');
    const snapshotErrors: string[] = [];
    let saves = 0;
    const hookedWrites = new WeakSet<() => void>();
    // The hook, on the first attempt of every save that carries library writes: a deferred transaction on A
    // reads, B commits, A writes. That is SQLITE_BUSY_SNAPSHOT, whatever the busy timeout (what a deferred
    // save transaction whose atomicWith reads first, as setContentIds does, meets). The save fails with it,
    // rolled back, as the store's would.
    const hooked: SnapshotStore = new Proxy(store, {
      get(target, key) {
        if (key === 'save') {
          return async (
            jobId: string,
            bytes: Uint8Array,
            meta: never,
            opts: { atomicWith?: () => void } = {},
          ) => {
            // Once per save: a retry of the same checkpoint carries the same atomicWith.
            if (opts.atomicWith !== undefined && !hookedWrites.has(opts.atomicWith)) {
              hookedWrites.add(opts.atomicWith);
              saves++;
              library.db
                .transaction(() => {
                  library.db.prepare('SELECT count(*) FROM entries').get();
                  commitFromB.run();
                  try {
                    library.db
                      .prepare("UPDATE library_meta SET value = value WHERE key = 'schema_version'")
                      .run();
                  } catch (error) {
                    snapshotErrors.push(String((error as { code?: string }).code));
                    throw error;
                  }
                })
                .deferred();
            }
            return target.save(jobId, bytes, meta, opts);
          };
        }
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const run = runJob(
      indexerJob,
      { path: root, mode: 'content', batchSize: 25 },
      { store: hooked, deps: { library } },
    );
    const result = await run.result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(saves).toBeGreaterThan(5);
    // Every hooked save really met SQLITE_BUSY_SNAPSHOT, and was written again.
    expect(snapshotErrors).toHaveLength(saves);
    expect(new Set(snapshotErrors)).toEqual(new Set(['SQLITE_BUSY_SNAPSHOT']));
    expect(snapshotOf(library)).toEqual(snapshotOf(clean));
    other.close();
    library.close();
    clean.close();
  });

  it('an index completes, equal to a clean run, while another process commits every 20 ms', async () => {
    const root = path.join(temp.dir, 'tree');
    makeFiles(root, 300);
    const clean = openLibrary(path.join(temp.dir, 'clean.db'));
    const cleanRun = runJob(
      indexerJob,
      { path: root, mode: 'content', batchSize: 10 },
      { store: new SqliteStore(clean.db), deps: { library: clean } },
    );
    expect((await cleanRun.result).status).toBe('completed');

    const library = openLibrary(file);
    const script = `
      const Database = require('better-sqlite3');
      const db = new Database(process.argv[1], { timeout: 5000 });
      db.exec('CREATE TABLE IF NOT EXISTS other_writer (n INTEGER)');
      const write = db.transaction(() => {
        db.prepare('SELECT count(*) FROM entries').get();
        db.prepare('INSERT INTO other_writer VALUES (1)').run();
      });
      process.stdout.write('ready\\n');
      setInterval(() => write.immediate(), 20);
    `;
    const writer = spawn(process.execPath, ['-e', script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(writer);
    await new Promise((resolve) => writer.stdout!.once('data', resolve));
    const run = runJob(
      indexerJob,
      { path: root, mode: 'content', batchSize: 10 },
      { store: new SqliteStore(library.db), deps: { library } },
    );
    const result = await run.result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(snapshotOf(library)).toEqual(snapshotOf(clean));
    expect(library.db.prepare('SELECT count(*) FROM other_writer').pluck().get()).toBeGreaterThan(0);
    library.close();
    clean.close();
  });

  it("the library's own transactions wait for a lock held past the busy timeout, then go on", async () => {
    openLibrary(file).close();
    const library = openLibrary(file, { busyTimeoutMs: 0 });
    const holder = await holdWriteLock(file, 300);
    children.push(holder);
    const started = performance.now();
    const first = reserveEntryIds(library, 10);
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect(first).toBeGreaterThan(0);
    expect(upsertLocation(library, '/data').path.toString()).toBe('/data');
    library.close();
  });

  it('gives up only after busyRetryMs, with a LibraryBusyError that says what to do', async () => {
    openLibrary(file).close();
    const library = openLibrary(file, { busyTimeoutMs: 0, busyRetryMs: 150 });
    children.push(await holdWriteLock(file, 5000));
    const started = performance.now();
    let error: unknown;
    try {
      reserveEntryIds(library, 10);
    } catch (e) {
      error = e;
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(error).toBeInstanceOf(LibraryBusyError);
    expect(error).toMatchObject({ file });
    expect((error as Error).message).toMatch(/stayed locked by another writer.*phasekit resume/s);
    expect((error as { cause: { code: string } }).cause.code).toMatch(/^SQLITE_BUSY/);
    library.close();
  });
});
