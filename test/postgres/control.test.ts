import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueue } from '../../src/manager/enqueue.js';
import { PostgresStore } from '../../src/persistence/stores/PostgresStore.js';
// @ts-expect-error: a plain-JS fixture (worker processes run it from dist/)
import { effectsJob } from './fixtures/effectsJob.mjs';
import { tempDir } from '../machines/helpers.js';
import { createTestDatabase, PG_URL, type TestDatabase } from './testDatabase.js';
import { assertBuilt, startFixture, type TestProcess } from './workerProcess.js';

const SCHEMA = 'control';
const BATCHES = 40;
let db: TestDatabase;
let store: PostgresStore;
const children: TestProcess[] = [];
beforeAll(async () => {
  if (PG_URL === undefined) return;
  assertBuilt();
  db = await createTestDatabase();
  store = await PostgresStore.open({ connectionString: db.url, schema: SCHEMA, max: 4 });
  await store.pool.query(`CREATE TABLE "${SCHEMA}".effects (job_id text NOT NULL, batch int, item int)`);
});
afterAll(async () => {
  for (const p of children)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await store?.close();
  await db?.drop();
});

const worker = (leaseMs = 30_000) => {
  const p = startFixture('worker.mjs', [db.url, SCHEMA, '2', String(leaseMs)]);
  children.push(p);
  return p;
};
/** Another process acting through the store. */
const control = async (action: 'pause' | 'cancel' | 'requeue', jobId: string) => {
  const p = startFixture('control.mjs', [db.url, SCHEMA, action, jobId]);
  children.push(p);
  const exit = await p.exited;
  expect({ ...exit, stderr: p.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
};
const rows = async (jobId: string) =>
  (
    await store.pool.query(
      `SELECT count(*)::int AS n, count(DISTINCT (batch, item))::int AS d FROM "${SCHEMA}".effects WHERE job_id = $1`,
      [jobId],
    )
  ).rows[0] as { n: number; d: number };
/** Wait until the job has written at least `n` batches (observed in the database). */
const written = async (jobId: string, n: number) => {
  while ((await rows(jobId)).n < n) await delay(50);
};
const status = async (jobId: string) => (await store.load(jobId))?.record.status;

describe.skipIf(PG_URL === undefined)(
  'pause and cancel through the store reach a job in a worker process',
  () => {
    it('pauses and cancels jobs running in another process; a third process sends the paused one back, and it completes', async () => {
      const input = { batches: BATCHES, items: 1, batchDelayMs: 40 };
      await enqueue(store, effectsJob, input, { jobId: 'to-pause' });
      await enqueue(store, effectsJob, input, { jobId: 'to-cancel' });
      // A 30 s lease renewed every 10 s: these requests arrive by NOTIFY, long before a renewal would see them.
      const w = worker(30_000);
      await written('to-pause', 2);
      await written('to-cancel', 2);

      await control('pause', 'to-pause');
      await w.until((l) => l.type === 'paused' && l.jobId === 'to-pause');
      expect(await status('to-pause')).toBe('paused');
      const atPause = await rows('to-pause');
      expect(atPause.n).toBeLessThan(BATCHES);
      expect((await store.lease('to-pause'))?.request ?? null).toBeNull(); // honoured, cleared, released
      expect(await store.lease('to-pause')).toBeUndefined();

      await control('cancel', 'to-cancel');
      await w.until((l) => l.type === 'cancelled' && l.jobId === 'to-cancel');
      expect(await status('to-cancel')).toBe('cancelled');
      expect((await rows('to-cancel')).n).toBeLessThan(BATCHES);

      // Still paused: nothing ran it meanwhile.
      expect(await rows('to-pause')).toEqual(atPause);
      await control('requeue', 'to-pause');
      await w.until((l) => l.type === 'completed' && l.jobId === 'to-pause');
      expect(await status('to-pause')).toBe('completed');
      expect(await rows('to-pause')).toEqual({ n: BATCHES, d: BATCHES });

      w.child.kill('SIGTERM');
      expect(await w.exited).toEqual({ code: 0, signal: null });
    });

    it('SIGTERM pauses running jobs, gives their leases up and queues them again; another worker finishes them at once', async () => {
      const input = { batches: BATCHES, items: 1, batchDelayMs: 40 };
      await enqueue(store, effectsJob, input, { jobId: 'graceful' });
      const first = worker(60_000); // a lease nobody could wait out in this test
      await written('graceful', 2);
      first.child.kill('SIGTERM');
      await first.until((l) => l.type === 'paused' && l.jobId === 'graceful' && l.requeued === true);
      expect(await first.exited).toEqual({ code: 0, signal: null });
      expect(await status('graceful')).toBe('queued');
      expect(await store.lease('graceful')).toBeUndefined();
      const second = worker(60_000);
      const claimed = await second.until((l) => l.type === 'claimed' && l.jobId === 'graceful');
      expect(claimed.fence).toBe(2);
      await second.until((l) => l.type === 'completed' && l.jobId === 'graceful');
      expect(await rows('graceful')).toEqual({ n: BATCHES, d: BATCHES });
      second.child.kill('SIGTERM');
      expect(await second.exited).toEqual({ code: 0, signal: null });
    });

    it('a dropped connection mid-job leaves the job resumable: it completes with every row exactly once', async () => {
      // The job holds inside its fourth batch's checkpoint transaction (rows written, not committed) until
      // the connections are cut: the cut meets a write in flight every time, not only when it happens to.
      const dir = tempDir();
      const [heldFile, releaseFile] = [path.join(dir, 'held'), path.join(dir, 'release')];
      const input = { batches: 400, items: 1, batchDelayMs: 0, holdInBatch: 3, heldFile, releaseFile };
      await enqueue(store, effectsJob, input, { jobId: 'dropped' });
      const w = worker(2000);
      while (!fs.existsSync(heldFile)) await delay(10);
      expect(await rows('dropped')).toEqual({ n: 3, d: 3 });
      // Cut every connection of the worker (the server side of a network failure).
      await store.pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'phasekit-test-worker'`,
      );
      fs.writeFileSync(releaseFile, '');
      // The write in flight fails: the run stops as for a lost lease (it may or may not have committed), gives
      // the job up, and a worker takes it again from what the store holds.
      await w.until((l) => l.type === 'lease-lost' && l.jobId === 'dropped');
      await w.until((l) => l.type === 'completed' && l.jobId === 'dropped');
      expect(await status('dropped')).toBe('completed');
      expect(await rows('dropped')).toEqual({ n: 400, d: 400 });
      w.child.kill('SIGTERM');
      expect(await w.exited).toEqual({ code: 0, signal: null });
    });
  },
);
