/**
 * Many processes opening one fresh SQLite file at the same instant all open it. (Converting a file to WAL
 * needs exclusive access and SQLite refuses a concurrent converter at once, without the busy handler: see
 * `enableWal`.) The children get their "open now" message together and open as soon as it arrives.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { makeTempDir } from './tempDir.js';
import { transpilePersistence } from './transpilePersistence.js';

const OPENER = path.resolve(import.meta.dirname, '../../fixtures/lease-open.mjs');
const PROCESSES = 8;
let work: ReturnType<typeof makeTempDir>;
let children: ChildProcess[];

beforeAll(async () => {
  work = makeTempDir();
  transpilePersistence(work.dir);
  children = Array.from({ length: PROCESSES }, () => fork(OPENER, [path.join(work.dir, 'lib')]));
  await Promise.all(children.map((c) => new Promise((resolve) => c.once('message', resolve))));
});
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  work.cleanup();
});

it(`lets ${PROCESSES} processes open one fresh file at once, round after round`, async () => {
  for (let round = 0; round < 8; round++) {
    const file = path.join(work.dir, `round-${round}.db`);
    const replies = await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            child.once('message', resolve);
            child.send({ file });
          }),
      ),
    );
    expect(replies).toEqual(Array.from({ length: PROCESSES }, () => ({ ok: 'wal' })));
  }
});

it('still gives up with SQLITE_BUSY once the busy timeout has passed', () => {
  const file = path.join(work.dir, 'held.db');
  const holder = new Database(file);
  try {
    holder.exec('CREATE TABLE t (x)');
    holder.exec('BEGIN');
    holder.prepare('SELECT * FROM t').all(); // a reader in rollback mode keeps the file from turning WAL
    const started = performance.now();
    expect(() => new SqliteStore(file, { busyTimeoutMs: 100 })).toThrow(/database is locked/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  } finally {
    holder.close();
  }
  const store = new SqliteStore(file);
  expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
  store.db.close();
});

it('keeps a private in-memory database as it is', async () => {
  const store = new SqliteStore(':memory:');
  expect(store.db.pragma('journal_mode', { simple: true })).toBe('memory');
  await store.close();
});
