/**
 * SqliteStore's side of the one-owner lease: its table and migration, the fence check inside the save's
 * transaction, and IMMEDIATE transactions (a read-then-write never meets SQLITE_BUSY_SNAPSHOT).
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaseLostError } from '../../../src/persistence/LeaseLostError.js';
import {
  SQLITE_MIGRATIONS,
  SQLITE_SCHEMA_VERSION,
} from '../../../src/persistence/stores/sqliteMigrations.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { makeMeta } from '../makeEnvelope.js';
import { manualClock } from './describeLeaseStore.js';
import { makeTempDir } from './tempDir.js';

const A = { workerId: 'worker-a', pid: process.pid, host: hostname() };
const B = { workerId: 'worker-b', pid: process.pid, host: hostname() };
const opts = { leaseMs: 1000 };
const bytes = Uint8Array.from([1, 2, 3]);

describe('SqliteStore leases', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  let clock: ReturnType<typeof manualClock>;
  let store: SqliteStore;
  const opened: { close(): unknown }[] = [];
  beforeEach(() => {
    temp = makeTempDir();
    file = path.join(temp.dir, 'jobs.db');
    clock = manualClock();
    store = new SqliteStore(file, { now: clock.now });
    store.db.exec('CREATE TABLE photos (path TEXT PRIMARY KEY)');
  });
  afterEach(async () => {
    for (const handle of opened.splice(0)) await handle.close();
    await store.close();
    temp.cleanup();
  });
  /** A second connection on the file that never waits for a lock. */
  const impatient = () => {
    const db = new Database(file, { timeout: 0 });
    opened.push(db);
    return db;
  };
  const photos = () => (store.db.prepare('SELECT count(*) AS n FROM photos').get() as { n: number }).n;

  it('keeps leases in phasekit_leases, added by migration 2', () => {
    expect(SQLITE_SCHEMA_VERSION).toBe(2);
    const columns = store.db.prepare('PRAGMA table_info(phasekit_leases)').all() as { name: string }[];
    expect(columns.map((c) => c.name)).toEqual([
      'job_id',
      'fence',
      'worker_id',
      'pid',
      'host',
      'acquired_at',
      'expires_at',
      'request',
    ]);
  });

  it('never edits the released migration 1', () => {
    const digest = createHash('sha256').update(SQLITE_MIGRATIONS[0]).digest('hex');
    expect(digest).toBe('6ad8956d6acfbde3dfc22d0915d73782bbc4de6760505f7a9e2ae4a9dd314472');
  });

  it('upgrades a version-1 database in place, keeping its jobs', async () => {
    const oldFile = path.join(temp.dir, 'v1.db');
    const old = new Database(oldFile);
    old.exec('CREATE TABLE phasekit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    old.exec(SQLITE_MIGRATIONS[0]);
    old.prepare("INSERT INTO phasekit_meta VALUES ('schema_version', '1')").run();
    old.close();
    const v1 = new SqliteStore(oldFile);
    await v1.save('job-1', bytes, makeMeta()); // a v1-era job saved with the new code, before...
    await v1.close();
    const reopened = new SqliteStore(oldFile);
    opened.push(reopened);
    expect(reopened.db.prepare("SELECT value FROM phasekit_meta WHERE key = 'schema_version'").get()).toEqual(
      {
        value: '2',
      },
    );
    expect(Array.from((await reopened.load('job-1'))!.bytes)).toEqual([1, 2, 3]);
    expect((await reopened.acquire('job-1', A, opts)).fence).toBe(1);
  });

  it('keeps a released lease as a row with its fence and no owner', async () => {
    const lease = await store.acquire('job-1', A, opts);
    await store.requestControl('job-1', 'pause');
    expect(store.db.prepare('SELECT * FROM phasekit_leases').all()).toEqual([
      {
        job_id: 'job-1',
        fence: 1,
        worker_id: 'worker-a',
        pid: process.pid,
        host: hostname(),
        acquired_at: lease.acquiredAt,
        expires_at: lease.expiresAt,
        request: 'pause',
      },
    ]);
    await store.release(lease);
    await store.delete('job-1');
    expect(store.db.prepare('SELECT * FROM phasekit_leases').all()).toEqual([
      {
        job_id: 'job-1',
        fence: 1,
        worker_id: null,
        pid: null,
        host: null,
        acquired_at: null,
        expires_at: null,
        request: 'pause',
      },
    ]);
  });

  it('rolls back a stale writer’s batch with its checkpoint', async () => {
    const insert = store.db.prepare('INSERT INTO photos (path) VALUES (?)');
    const a = await store.acquire('job-1', A, opts);
    await store.save('job-1', bytes, makeMeta({ updatedAt: 1 }), {
      fence: a.fence,
      atomicWith: () => insert.run('first.jpg'),
    });
    clock.advance(1001);
    await store.acquire('job-1', B, opts);
    const late = store.save('job-1', Uint8Array.from([9]), makeMeta({ updatedAt: 2 }), {
      fence: a.fence,
      atomicWith: () => {
        insert.run('late-1.jpg');
        insert.run('late-2.jpg');
      },
    });
    await expect(late).rejects.toThrow(LeaseLostError);
    expect(photos()).toBe(1);
    expect((await store.load('job-1'))!.record.updatedAt).toBe(1);
    expect(store.db.inTransaction).toBe(false);
  });

  it('checks the fence in the save’s transaction: no takeover lands between the check and the commit', async () => {
    const a = await store.acquire('job-1', A, opts);
    clock.advance(1001); // a's lease has lapsed: anyone may take it over, but not in the middle of a save
    const other = new SqliteStore(file, { busyTimeoutMs: 0, now: clock.now });
    opened.push(other);
    let takeover: Promise<unknown> | undefined;
    await store.save('job-1', bytes, makeMeta(), {
      fence: a.fence,
      atomicWith: () => {
        takeover = other.acquire('job-1', B, opts);
        store.db.prepare('INSERT INTO photos (path) VALUES (?)').run('batch.jpg');
      },
    });
    await expect(takeover).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(photos()).toBe(1);
    expect((await other.acquire('job-1', B, opts)).fence).toBe(a.fence + 1);
  });

  describe('takes the write lock before reading (BEGIN IMMEDIATE)', () => {
    /** Between the store's lease read and its write, another connection tries to commit. */
    const writeDuringRead = (): { outcome: () => string } => {
      const other = impatient();
      other.exec('CREATE TABLE IF NOT EXISTS other (x)');
      let outcome = 'no read';
      const prepare = store.db.prepare.bind(store.db);
      store.db.prepare = ((sql: string) => {
        const statement = prepare(sql);
        if (!sql.startsWith('SELECT fence')) return statement;
        const get = statement.get.bind(statement);
        statement.get = ((...args: unknown[]) => {
          const row = get(...args);
          try {
            other.prepare('INSERT INTO other VALUES (1)').run();
            outcome = 'other committed';
          } catch (error) {
            outcome = (error as { code?: string }).code ?? String(error);
          }
          return row;
        }) as typeof statement.get;
        return statement;
      }) as typeof store.db.prepare;
      return { outcome: () => outcome };
    };

    const operations: [string, (s: SqliteStore) => Promise<unknown>][] = [
      ['acquire', (s) => s.acquire('job-1', A, opts)],
      ['renew', async (s) => s.renew(await s.acquire('job-2', A, opts), opts)],
      ['release', async (s) => s.release(await s.acquire('job-2', A, opts))],
      ['requestControl', (s) => s.requestControl('job-1', 'cancel')],
      [
        'save with a fence',
        async (s) => s.save('job-1', bytes, makeMeta(), { fence: (await s.acquire('job-1', A, opts)).fence }),
      ],
    ];
    for (const [name, run] of operations) {
      it(name, async () => {
        const hook = writeDuringRead();
        await run(store);
        expect(hook.outcome()).toBe('SQLITE_BUSY');
      });
    }

    it('save with atomicWith reading then writing the caller’s tables', async () => {
      const other = impatient();
      let outcome = '';
      await store.save('job-1', bytes, makeMeta(), {
        atomicWith: () => {
          store.db.prepare('SELECT count(*) FROM photos').get();
          try {
            other.prepare('INSERT INTO photos (path) VALUES (?)').run('other.jpg');
            outcome = 'other committed';
          } catch (error) {
            outcome = (error as { code: string }).code;
          }
          store.db.prepare('INSERT INTO photos (path) VALUES (?)').run('mine.jpg');
        },
      });
      expect(outcome).toBe('SQLITE_BUSY');
      expect(photos()).toBe(1);
    });
  });

  it('waits the busy timeout for a lock, then fails with SQLITE_BUSY having written nothing', async () => {
    const holder = impatient();
    const patient = new SqliteStore(file, { busyTimeoutMs: 100, now: clock.now });
    opened.push(patient);
    holder.exec('BEGIN IMMEDIATE');
    const started = performance.now();
    await expect(patient.acquire('job-1', A, opts)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    holder.exec('ROLLBACK');
    expect((await patient.acquire('job-1', A, opts)).fence).toBe(1); // the failed try consumed no fence
  });
});
