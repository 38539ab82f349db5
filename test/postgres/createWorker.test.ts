import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker } from '../../src/manager/createWorker.js';
import { enqueue } from '../../src/manager/enqueue.js';
import { UnsharedStoreError } from '../../src/manager/UnsharedStoreError.js';
import { MemoryStore } from '../../src/persistence/stores/MemoryStore.js';
import { PostgresStore } from '../../src/persistence/stores/PostgresStore.js';
import { defineJob } from '../../src/phases/defineJob.js';
import { Continue } from '../../src/phases/outcomes.js';
import { phase } from '../../src/phases/phase.js';
import { createTestDatabase, freshSchema, PG_URL, type TestDatabase } from './testDatabase.js';

/** A job whose phase never checks for interrupts: it ends only when its run is stopped (signal aborted). */
const holdJob = defineJob({
  name: 'hold',
  version: 1,
  initialState: () => ({}),
  output: () => null,
  phases: [
    phase({
      name: 'hold',
      execute: (ctx) =>
        new Promise((resolve) =>
          ctx.signal.addEventListener('abort', () => resolve(Continue), { once: true }),
        ),
    }),
  ],
});

let db: TestDatabase;
beforeAll(async () => {
  if (PG_URL !== undefined) db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('createWorker', () => {
  it('refuses a store that cannot hand jobs out', () => {
    expect(() => createWorker({ store: new MemoryStore(), jobs: [holdJob] })).toThrow(UnsharedStoreError);
  });
});

describe.skipIf(PG_URL === undefined)('createWorker on PostgreSQL', () => {
  it('stops within its grace period even for a job claimed while stopping, leaving it runnable', async () => {
    const store = await PostgresStore.open({ connectionString: db.url, schema: freshSchema(), max: 4 });
    try {
      await enqueue(store, holdJob, {}, { jobId: 'held' });
      const worker = createWorker({ store, jobs: [holdJob], leaseMs: 60_000, pollMs: 50 });
      // Stop the moment the job is claimed: its run is still being set up.
      const stopped = await new Promise<Promise<void>>((resolve) =>
        worker.events$.subscribe((e) => e.type === 'claimed' && resolve(worker.stop({ graceMs: 0 }))),
      );
      await stopped;
      expect(worker.running()).toEqual([]);
      expect(await store.lease('held')).toBeUndefined(); // released, not left to lapse
      const next = await store.claim({ workerId: 'next', pid: process.pid, host: 'h' }, { leaseMs: 1000 });
      expect(next?.jobId).toBe('held');
    } finally {
      await store.close();
    }
  }, 20_000);
});
