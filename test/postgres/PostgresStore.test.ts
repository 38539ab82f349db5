import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresConnectError } from '../../src/persistence/postgres/PostgresConnectError.js';
import { LeaseLostError } from '../../src/persistence/LeaseLostError.js';
import { SchemaVersionError } from '../../src/persistence/SchemaVersionError.js';
import { POSTGRES_SCHEMA_VERSION } from '../../src/persistence/postgres/postgresMigrations.js';
import { PostgresStore } from '../../src/persistence/stores/PostgresStore.js';
import type { LeaseOwner } from '../../src/persistence/types.js';
import { makeMeta } from '../persistence/makeEnvelope.js';
import { describeLeaseStore, manualClock } from '../persistence/stores/describeLeaseStore.js';
import { describeSnapshotStore } from '../persistence/stores/describeSnapshotStore.js';
import { createTestDatabase, freshSchema, PG_URL, type TestDatabase } from './testDatabase.js';

let db: TestDatabase;
beforeAll(async () => {
  if (PG_URL !== undefined) db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const owner = (workerId: string): LeaseOwner => ({ workerId, pid: process.pid, host: 'test-host' });
const bytes = Uint8Array.from([1, 2, 3]);

describe.skipIf(PG_URL === undefined)('PostgresStore', () => {
  describeLeaseStore('PostgresStore', async () => {
    const clock = manualClock();
    const schema = freshSchema();
    const open = () => PostgresStore.open({ connectionString: db.url, schema, max: 2, clock });
    return { store: await open(), advance: (ms) => clock.advance(ms), reopen: open, cleanup: () => {} };
  });
  describeSnapshotStore(
    'PostgresStore',
    async () => ({
      store: await PostgresStore.open({ connectionString: db.url, schema: freshSchema(), max: 2 }),
      cleanup: () => {},
    }),
    { asyncAtomicWith: true },
  );
});

describe.skipIf(PG_URL === undefined)('PostgresStore on a real server', () => {
  let clock = manualClock();
  const open = (schema = freshSchema()) =>
    PostgresStore.open({ connectionString: db.url, schema, max: 4, clock });
  const withStore = (test: (store: PostgresStore) => Promise<void>) => async () => {
    clock = manualClock();
    const store = await open();
    try {
      await store.pool.query(`CREATE TABLE "${store.schema}".effects (job text, n integer)`);
      await test(store);
    } finally {
      await store.close();
    }
  };
  const effects = async (store: PostgresStore) =>
    (await store.pool.query(`SELECT n FROM "${store.schema}".effects ORDER BY n`)).rows.map((r) => r.n);

  it(
    'commits an async atomicWith’s queries in the checkpoint’s transaction, or neither',
    withStore(async (store) => {
      const insert = (n: number) => async (client: pg.PoolClient) => {
        await client.query(`INSERT INTO "${store.schema}".effects VALUES ('j', $1)`, [n]);
        // Not visible from another connection before the commit.
        expect(await effects(store)).not.toContain(n);
      };
      await store.save('j', bytes, makeMeta({ updatedAt: 1 }), { atomicWith: insert(1) as never });
      expect(await effects(store)).toEqual([1]);
      const failing = store.save('j', Uint8Array.from([9]), makeMeta({ updatedAt: 2 }), {
        atomicWith: (async (client: pg.PoolClient) => {
          await insert(2)(client);
          throw new Error('batch failed');
        }) as never,
      });
      await expect(failing).rejects.toThrow('batch failed');
      expect(await effects(store)).toEqual([1]);
      expect((await store.load('j'))!.record.updatedAt).toBe(1);
      // A SQL error inside rolls back too, and the pool stays usable.
      const sqlError = store.save('j', bytes, makeMeta({ updatedAt: 3 }), {
        atomicWith: (async (client: pg.PoolClient) => {
          await insert(3)(client);
          await client.query('SELECT * FROM no_such_table');
        }) as never,
      });
      await expect(sqlError).rejects.toThrow(/no_such_table/);
      expect(await effects(store)).toEqual([1]);
    }),
  );

  it(
    'refuses a save under a stale fence, writing neither the checkpoint nor the caller’s rows',
    withStore(async (store) => {
      const first = await store.acquire('j', owner('w1'), { leaseMs: 1 });
      clock.advance(2); // lapsed
      await store.save('j', bytes, makeMeta({ updatedAt: 1 }), { fence: first.fence });
      const second = await store.acquire('j', owner('w2'), { leaseMs: 60_000 });
      expect(second.fence).toBe(first.fence + 1);
      let ran = false;
      const late = store.save('j', Uint8Array.from([7]), makeMeta({ updatedAt: 2 }), {
        fence: first.fence,
        atomicWith: (async (client: pg.PoolClient) => {
          ran = true;
          await client.query(`INSERT INTO "${store.schema}".effects VALUES ('j', 1)`);
        }) as never,
      });
      await expect(late).rejects.toThrow(LeaseLostError);
      await expect(late).rejects.toMatchObject({
        jobId: 'j',
        fence: first.fence,
        currentFence: second.fence,
      });
      const plain = store.save('j', Uint8Array.from([7]), makeMeta({ updatedAt: 2 }), { fence: first.fence });
      await expect(plain).rejects.toThrow(LeaseLostError);
      expect(ran).toBe(false);
      expect(await effects(store)).toEqual([]);
      expect((await store.load('j'))!.record.updatedAt).toBe(1);
      await store.save('j', Uint8Array.from([8]), makeMeta({ updatedAt: 3 }), { fence: second.fence });
      await store.save('j', Uint8Array.from([8]), makeMeta({ updatedAt: 4 })); // no fence: bookkeeping
      expect((await store.load('j'))!.record.updatedAt).toBe(4);
      await expect(
        store.save('other', bytes, makeMeta(), { fence: 1 }), // never leased
      ).rejects.toThrow(LeaseLostError);
    }),
  );

  it(
    'acquire refuses a live holder by name, takes over a lapsed one, and renew/release follow the fence',
    withStore(async (store) => {
      const lease = await store.acquire('j', owner('w1'), { leaseMs: 60_000 });
      expect(lease).toMatchObject({ jobId: 'j', workerId: 'w1', fence: 1, host: 'test-host' });
      expect(lease.expiresAt - lease.acquiredAt).toBe(60_000);
      await expect(store.acquire('j', owner('w2'), { leaseMs: 1000 })).rejects.toThrow(
        /already running in process \d+ on test-host \(worker w1/,
      );
      const renewed = await store.renew(lease, { leaseMs: 90_000 });
      expect(renewed.request).toBeNull();
      expect(renewed.lease.fence).toBe(1);
      expect(renewed.lease.expiresAt).toBeGreaterThanOrEqual(lease.expiresAt);
      await store.release(lease);
      await store.release(lease); // idempotent
      await expect(store.renew(lease, { leaseMs: 1000 })).rejects.toThrow(LeaseLostError);
      const next = await store.acquire('j', owner('w2'), { leaseMs: 1 });
      clock.advance(2); // lapsed
      expect(next.fence).toBe(2);
      const taken = await store.acquire('j', owner('w3'), { leaseMs: 1000 }); // lapsed: taken over
      expect(taken.fence).toBe(3);
      await expect(store.renew(next, { leaseMs: 1000 })).rejects.toMatchObject({ currentFence: 3 });
      await store.release(next); // a stale release does not free the new owner's lease
      expect((await store.lease('j'))?.workerId).toBe('w3');
    }),
  );

  it(
    'takes over a lease whose owner is a dead process on this host',
    withStore(async (store) => {
      const os = await import('node:os');
      const { spawnSync } = await import('node:child_process');
      const deadPid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout;
      const dead = { workerId: 'gone', pid: Number(deadPid), host: os.hostname() };
      await store.acquire('j', dead, { leaseMs: 60_000 });
      const lease = await store.acquire('j', owner('w2'), { leaseMs: 60_000 });
      expect(lease).toMatchObject({ workerId: 'w2', fence: 2 });
    }),
  );

  it(
    'claims runnable jobs once each, oldest first, skipping paused, finished and held ones',
    withStore(async (store) => {
      await store.save('q1', bytes, makeMeta({ status: 'queued', updatedAt: 1 }));
      await store.save('q2', bytes, makeMeta({ status: 'queued', updatedAt: 2, name: 'thumbs' }));
      await store.save('crashed', bytes, makeMeta({ status: 'running', updatedAt: 3 }));
      await store.save('paused', bytes, makeMeta({ status: 'paused', updatedAt: 0 }));
      await store.save('done', bytes, makeMeta({ status: 'completed', updatedAt: 0 }));
      await store.save('held', bytes, makeMeta({ status: 'running', updatedAt: 0 }));
      await store.acquire('held', owner('other'), { leaseMs: 60_000 });
      expect((await store.claim(owner('w'), { leaseMs: 60_000, names: ['thumbs'] }))?.jobId).toBe('q2');
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, i) => store.claim(owner(`w${i}`), { leaseMs: 60_000 })),
      );
      const got = claims.filter((c) => c !== undefined).map((c) => c!.jobId);
      expect(got.sort()).toEqual(['crashed', 'q1']);
      expect(claims.filter((c) => c !== undefined).every((c) => c!.fence === 1)).toBe(true);
      expect(await store.claim(owner('w'), { leaseMs: 60_000 })).toBeUndefined();
    }),
  );

  it(
    'claims a running job again once its lease lapsed or was released, with a higher fence',
    withStore(async (store) => {
      await store.save('j', bytes, makeMeta({ status: 'queued' }));
      const first = (await store.claim(owner('w1'), { leaseMs: 1 }))!;
      clock.advance(2); // lapsed
      await store.save('j', bytes, makeMeta({ status: 'running' }), { fence: first.fence });
      const second = (await store.claim(owner('w2'), { leaseMs: 60_000 }))!;
      expect(second).toMatchObject({ jobId: 'j', fence: first.fence + 1, workerId: 'w2' });
      expect(await store.claim(owner('w3'), { leaseMs: 60_000 })).toBeUndefined();
      await store.release(second);
      expect((await store.claim(owner('w3'), { leaseMs: 60_000 }))?.fence).toBe(second.fence + 1);
    }),
  );

  it(
    'skips a job another transaction has locked instead of waiting for it (SKIP LOCKED)',
    withStore(async (store) => {
      await store.save('first', bytes, makeMeta({ status: 'queued', updatedAt: 1 }));
      await store.save('second', bytes, makeMeta({ status: 'queued', updatedAt: 2 }));
      const holder = await store.pool.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT * FROM "${store.schema}".leases WHERE job_id = 'first' FOR UPDATE`);
        // Were claim to wait for the lock, it would wait forever: the lock goes only after it returns.
        expect((await store.claim(owner('w'), { leaseMs: 60_000 }))?.jobId).toBe('second');
      } finally {
        await holder.query('ROLLBACK');
        holder.release();
      }
      expect((await store.claim(owner('w'), { leaseMs: 60_000 }))?.jobId).toBe('first');
    }),
    10_000,
  );

  it(
    'hands each of many concurrent claimers a different job',
    withStore(async (store) => {
      for (let i = 0; i < 40; i++) {
        await store.save(`j${i}`, bytes, makeMeta({ status: 'queued', updatedAt: i }));
      }
      const claimers = Array.from({ length: 4 }, async (_, w) => {
        const mine: string[] = [];
        for (;;) {
          const lease = await store.claim(owner(`w${w}`), { leaseMs: 60_000 });
          if (lease === undefined) return mine;
          mine.push(lease.jobId);
        }
      });
      const all = (await Promise.all(claimers)).flat();
      expect(all).toHaveLength(40);
      expect(new Set(all).size).toBe(40);
    }),
  );

  it(
    'stores control requests, reports them on renew, and announces them and runnable jobs by NOTIFY',
    withStore(async (store) => {
      const events: unknown[] = [];
      let wake: () => void = () => {};
      const unsubscribe = await store.subscribe((event) => {
        events.push(event);
        wake();
      });
      // Resolves once an event that matches has arrived since the call. Notifications come on their own
      // connection: one from an earlier statement (the cancel request below) may arrive after later awaits.
      const next = (match: (event: unknown) => boolean = () => true) => {
        const from = events.length;
        return new Promise<void>((resolve) => {
          wake = () => {
            if (events.slice(from).some(match)) resolve();
          };
        });
      };
      try {
        let arrived = next();
        await store.save('j', bytes, makeMeta({ status: 'queued' }));
        await arrived;
        expect(events).toEqual([{ type: 'runnable', jobId: 'j' }]);
        const lease = (await store.claim(owner('w1'), { leaseMs: 60_000 }))!;
        arrived = next();
        await store.requestControl('j', 'pause');
        await arrived;
        expect(events[1]).toEqual({ type: 'control', jobId: 'j', request: 'pause' });
        expect((await store.renew(lease, { leaseMs: 60_000 })).request).toBe('pause');
        await store.requestControl('j', 'cancel');
        expect((await store.renew(lease, { leaseMs: 60_000 })).request).toBe('cancel');
        await store.clearRequest('j');
        expect((await store.renew(lease, { leaseMs: 60_000 })).request).toBeNull();
        await store.save('j', bytes, makeMeta({ status: 'running' }), { fence: lease.fence });
        arrived = next((event) => (event as { type?: string }).type === 'runnable');
        await store.release(lease);
        await arrived;
        // Notifications arrive in commit order: the release's is the last, whatever came late before it.
        expect(events.at(-1)).toEqual({ type: 'runnable', jobId: 'j' });
      } finally {
        unsubscribe();
      }
    }),
  );

  it('migrates once when many processes open at the same time, and refuses a newer schema', async () => {
    const schema = freshSchema();
    const stores = await Promise.all(Array.from({ length: 4 }, () => open(schema)));
    await Promise.all(stores.map((s) => s.close()));
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT value FROM "${schema}".meta WHERE key = 'schema_version'`);
      expect(rows).toEqual([{ value: String(POSTGRES_SCHEMA_VERSION) }]);
      await client.query(`UPDATE "${schema}".meta SET value = $1`, [String(POSTGRES_SCHEMA_VERSION + 1)]);
    } finally {
      await client.end();
    }
    const newer = open(schema);
    await expect(newer).rejects.toThrow(SchemaVersionError);
    await expect(newer).rejects.toThrow(/version 2, newer than version 1/);
  });
});

describe.skipIf(PG_URL === undefined)('PostgresStore.open on bad input', () => {
  it('says in one line that the server cannot be reached', async () => {
    const attempt = PostgresStore.open('postgres://phasekit:phasekit@127.0.0.1:1/postgres');
    await expect(attempt).rejects.toThrow(PostgresConnectError);
    await expect(attempt).rejects.toThrow(
      /^Cannot reach PostgreSQL at phasekit@127\.0\.0\.1:1\/postgres \(ECONNREFUSED\): check that the server runs/,
    );
  });

  it('says the password was refused, without printing it', async () => {
    const url = new URL(PG_URL!);
    url.password = 'not-the-password';
    const error = (await PostgresStore.open(url.toString()).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(PostgresConnectError);
    expect(error.message).toMatch(/refused the login \(wrong password\): check the user and password/);
    expect(error.message).not.toContain('not-the-password');
    expect(error.message).not.toContain('\n');
  });

  it('says the database does not exist', async () => {
    const url = new URL(PG_URL!);
    url.pathname = '/no_such_database';
    await expect(PostgresStore.open(url.toString())).rejects.toThrow(/the database does not exist/);
  });

  it('says the user may not create the schema', async () => {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query("DROP ROLE IF EXISTS phasekit_weak; CREATE ROLE phasekit_weak LOGIN PASSWORD 'weak'");
      await admin.query(`REVOKE CREATE ON DATABASE ${db.name} FROM PUBLIC`);
    } finally {
      await admin.end();
    }
    const url = new URL(db.url);
    url.username = 'phasekit_weak';
    url.password = 'weak';
    await expect(PostgresStore.open({ connectionString: url.toString(), schema: 'weak' })).rejects.toThrow(
      /may not create or use schema "weak"; grant it CREATE on the database/,
    );
  });
});
