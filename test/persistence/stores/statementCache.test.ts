import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { statementCache } from '../../../src/persistence/stores/statementCache.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import type { JobMeta } from '../../../src/persistence/types.js';

const meta: JobMeta = {
  name: 'job',
  version: 1,
  status: 'running',
  phase: 'a',
  percent: 0,
  errorsCount: 0,
  updatedAt: 1,
};

/** Count the statements the connection prepares, by SQL text. */
function countPrepares(db: Database.Database): Map<string, number> {
  const counts = new Map<string, number>();
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    counts.set(sql, (counts.get(sql) ?? 0) + 1);
    return prepare(sql);
  }) as typeof db.prepare;
  return counts;
}

describe('statementCache', () => {
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(':memory:');
    db.exec("CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'y')");
  });
  afterEach(() => db.close());

  it('is one cache per connection, whoever asks', () => {
    const other = new Database(':memory:');
    expect(statementCache(db)).toBe(statementCache(db));
    expect(statementCache(other)).not.toBe(statementCache(db));
    other.close();
  });

  it('prepares each SQL text once per result mode', () => {
    const prepares = countPrepares(db);
    const cache = statementCache(db);
    const sql = 'SELECT a, b FROM t ORDER BY a';
    for (let i = 0; i < 3; i++) {
      cache.get(sql).all();
      cache.pluck(sql).all();
      cache.raw(sql).all();
    }
    expect(prepares.get(sql)).toBe(3);
    expect(cache.size).toBe(3);
    expect(cache.get(sql)).toBe(cache.get(sql));
  });

  it("keeps result modes apart: one caller's pluck never changes another's rows", () => {
    const cache = statementCache(db);
    const sql = 'SELECT a, b FROM t ORDER BY a';
    expect(cache.pluck(sql).all()).toEqual([1, 2]);
    expect(cache.raw(sql).all()).toEqual([
      [1, 'x'],
      [2, 'y'],
    ]);
    expect(cache.get(sql).all()).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ]);
  });

  it('prepares again after clear', () => {
    const cache = statementCache(db);
    const first = cache.get('SELECT a FROM t');
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get('SELECT a FROM t')).not.toBe(first);
  });

  it('serves SqliteStore: its statements are prepared once, in the connection cache', async () => {
    const prepares = countPrepares(db);
    const store = new SqliteStore(db);
    const before = statementCache(db).size;
    for (let i = 0; i < 3; i++) {
      await store.save('j', new Uint8Array([i]), meta);
      await store.load('j');
    }
    expect(statementCache(db).size).toBeGreaterThan(before);
    const repeated = [...prepares].filter(([sql, n]) => n > 1 && !sql.includes('phasekit_meta'));
    expect(repeated).toEqual([]);
    await store.close(); // a connection passed in stays open, and so does its cache
    expect(db.open).toBe(true);
  });
});
