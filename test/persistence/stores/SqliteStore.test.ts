import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SchemaVersionError } from '../../../src/persistence/SchemaVersionError.js';
import { SQLITE_SCHEMA_VERSION } from '../../../src/persistence/stores/sqliteMigrations.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { makeMeta } from '../makeEnvelope.js';
import { describeLeaseStore, manualClock } from './describeLeaseStore.js';
import { describeSnapshotStore } from './describeSnapshotStore.js';
import { makeTempDir } from './tempDir.js';

describeSnapshotStore('SqliteStore (file)', () => {
  const temp = makeTempDir();
  return { store: new SqliteStore(path.join(temp.dir, 'jobs.db')), cleanup: temp.cleanup };
});

describeSnapshotStore('SqliteStore (shared connection, :memory:)', () => {
  const db = new Database(':memory:');
  return {
    store: new SqliteStore(db),
    cleanup: () => {
      db.close();
    },
  };
});

describeLeaseStore('SqliteStore (file)', () => {
  const temp = makeTempDir();
  const clock = manualClock();
  const file = path.join(temp.dir, 'jobs.db');
  return {
    store: new SqliteStore(file, { now: clock.now }),
    advance: clock.advance,
    reopen: () => new SqliteStore(file, { now: clock.now }),
    cleanup: temp.cleanup,
  };
});

describeLeaseStore('SqliteStore (shared connection, :memory:)', () => {
  const db = new Database(':memory:');
  const clock = manualClock();
  return {
    store: new SqliteStore(db, { now: clock.now }),
    advance: clock.advance,
    cleanup: () => {
      db.close();
    },
  };
});

describe('SqliteStore', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  let store: SqliteStore;
  const bytes = Uint8Array.from([1, 2, 3]);
  beforeEach(() => {
    temp = makeTempDir();
    file = path.join(temp.dir, 'jobs.db');
    store = new SqliteStore(file);
    store.db.exec('CREATE TABLE photos (path TEXT PRIMARY KEY, hash TEXT NOT NULL)');
  });
  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  const count = (db: Database.Database = store.db) =>
    (db.prepare('SELECT count(*) AS n FROM photos').get() as { n: number }).n;

  it('opens its own file in WAL mode with synchronous=NORMAL and records its schema version', () => {
    expect(store.atomic).toBe(true);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    const version = store.db.prepare("SELECT value FROM phasekit_meta WHERE key = 'schema_version'").get();
    expect(version).toEqual({ value: String(SQLITE_SCHEMA_VERSION) });
  });

  it('commits atomicWith’s rows in the same transaction as the checkpoint', async () => {
    const insert = store.db.prepare('INSERT INTO photos (path, hash) VALUES (?, ?)');
    let inTransaction = false;
    await store.save('job-1', bytes, makeMeta(), {
      atomicWith: () => {
        inTransaction = store.db.inTransaction;
        insert.run('a.jpg', 'h1');
        insert.run('b.jpg', 'h2');
      },
    });
    expect(inTransaction).toBe(true);
    const reader = new Database(file, { readonly: true });
    try {
      expect(count(reader)).toBe(2);
      expect(reader.prepare('SELECT count(*) AS n FROM phasekit_jobs').get()).toEqual({ n: 1 });
    } finally {
      reader.close();
    }
  });

  it('writes neither the rows nor the checkpoint when atomicWith throws', async () => {
    const insert = store.db.prepare('INSERT INTO photos (path, hash) VALUES (?, ?)');
    await store.save('job-1', bytes, makeMeta({ updatedAt: 1 }), {
      atomicWith: () => insert.run('a.jpg', 'h1'),
    });
    const failing = store.save('job-1', Uint8Array.from([9]), makeMeta({ updatedAt: 2, percent: 99 }), {
      atomicWith: () => {
        insert.run('b.jpg', 'h2');
        insert.run('c.jpg', 'h3');
        insert.run('a.jpg', 'duplicate'); // throws: primary key
      },
    });
    await expect(failing).rejects.toThrow(/UNIQUE constraint failed: photos.path/);
    expect(count()).toBe(1);
    const stored = (await store.load('job-1'))!;
    expect(Array.from(stored.bytes)).toEqual([1, 2, 3]);
    expect(stored.record).toMatchObject({ updatedAt: 1, percent: 40 });
    expect(store.db.inTransaction).toBe(false);
  });

  it('is seen by a second connection on the same file, and after reopening', async () => {
    await store.save('job-1', bytes, makeMeta({ input: { root: '/p' } }));
    const other = new SqliteStore(file);
    try {
      const stored = (await other.load('job-1'))!;
      expect(Array.from(stored.bytes)).toEqual([1, 2, 3]);
      expect(stored.record.input).toEqual({ root: '/p' });
      await other.setStatus('job-1', 'paused');
    } finally {
      await other.close();
    }
    expect((await store.load('job-1'))!.record.status).toBe('paused');
    await store.close();
    store = new SqliteStore(file);
    expect((await store.list()).map((r) => r.id)).toEqual(['job-1']);
  });

  it('refuses a schema newer than the code, naming both versions', async () => {
    store.db
      .prepare("UPDATE phasekit_meta SET value = ? WHERE key = 'schema_version'")
      .run(String(SQLITE_SCHEMA_VERSION + 1));
    let error: unknown;
    try {
      new SqliteStore(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SchemaVersionError);
    expect(error).toMatchObject({
      foundVersion: SQLITE_SCHEMA_VERSION + 1,
      codeVersion: SQLITE_SCHEMA_VERSION,
    });
    expect((error as Error).message).toContain(
      `is version ${SQLITE_SCHEMA_VERSION + 1}, newer than version ${SQLITE_SCHEMA_VERSION}`,
    );
    expect((error as Error).message).toContain(file);
    // The refused schema was left alone.
    expect(store.db.prepare("SELECT value FROM phasekit_meta WHERE key = 'schema_version'").get()).toEqual({
      value: String(SQLITE_SCHEMA_VERSION + 1),
    });
  });

  it('migrates a database once: opening again runs nothing', () => {
    const again = new SqliteStore(store.db);
    expect(again.db).toBe(store.db);
    const rows = store.db.prepare('SELECT key, value FROM phasekit_meta').all();
    expect(rows).toEqual([{ key: 'schema_version', value: String(SQLITE_SCHEMA_VERSION) }]);
  });

  it('leaves a connection it did not open to its owner', async () => {
    const db = new Database(path.join(temp.dir, 'shared.db'));
    const shared = new SqliteStore(db);
    expect(shared.db).toBe(db);
    await shared.save('job-1', bytes, makeMeta());
    await shared.close();
    expect(db.open).toBe(true);
    expect(db.prepare('SELECT id FROM phasekit_jobs').all()).toEqual([{ id: 'job-1' }]);
    db.close();
  });

  it('closes a connection it opened', async () => {
    await store.close();
    expect(store.db.open).toBe(false);
  });
});
