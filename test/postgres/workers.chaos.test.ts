import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueue } from '../../src/manager/enqueue.js';
import { PostgresStore } from '../../src/persistence/stores/PostgresStore.js';
// @ts-expect-error: a plain-JS fixture (worker processes run it from dist/)
import { effectsJob } from './fixtures/effectsJob.mjs';
import { createTestDatabase, PG_URL, type TestDatabase } from './testDatabase.js';
import {
  assertBuilt,
  isStopped,
  type Line,
  startFixture,
  type TestProcess,
  waitFor,
} from './workerProcess.js';

const JOBS = 200;
const BATCHES = 3;
const ITEMS = 2;
const LEASE_MS = 1500;
const SCHEMA = 'chaos';

let db: TestDatabase;
let store: PostgresStore;
beforeAll(async () => {
  if (PG_URL === undefined) return;
  assertBuilt();
  db = await createTestDatabase();
  store = await PostgresStore.open({ connectionString: db.url, schema: SCHEMA, max: 4 });
  await store.pool.query(`CREATE TABLE "${SCHEMA}".effects (job_id text NOT NULL, batch int, item int)`);
});
const children: TestProcess[] = [];
afterAll(async () => {
  for (const p of children)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await store?.close();
  await db?.drop();
});

describe.skipIf(PG_URL === undefined)('workers sharing a PostgreSQL queue', () => {
  it('completes 200 jobs exactly once through SIGKILLs of random workers and a worker stalled past its lease', async () => {
    for (let i = 0; i < JOBS; i++) {
      await enqueue(
        store,
        effectsJob,
        { batches: BATCHES, items: ITEMS },
        { jobId: `job-${String(i).padStart(3, '0')}` },
      );
    }
    const all: TestProcess[] = [];
    const start = (stall = false) => {
      const p = startFixture('worker.mjs', [
        db.url,
        SCHEMA,
        '3',
        String(LEASE_MS),
        ...(stall ? ['--stall'] : []),
      ]);
      all.push(p);
      children.push(p);
      return p;
    };
    const lines = (type: string) => all.flatMap((p) => p.lines.filter((l) => l.type === type));
    const completed = () => new Set(lines('completed').map((l) => l.jobId)).size;
    // The worker that will stall starts first, so it surely gets a job before the others finish them all.
    const stalled = start(true);
    await stalled.until((l) => l.type === 'stalling');
    const live = new Set<TestProcess>([start(), start(), start()]);

    // The stalled worker stops itself right before a checkpoint; once another worker has taken that job
    // over (a higher fence), it continues: its late write must be refused by the fence.
    let step = 'waiting for the stall';
    const stallScenario = (async () => {
      const stalling = await stalled.until((l) => l.type === 'stalling');
      step = `stalled on ${stalling.jobId}`;
      await waitFor(() => (isStopped(stalled.child.pid!) ? true : undefined));
      const claimed = await stalled.until((l) => l.type === 'claimed' && l.jobId === stalling.jobId);
      await waitFor(() =>
        all.some(
          (p) => p !== stalled && p.lines.some((l) => l.type === 'claimed' && l.jobId === stalling.jobId),
        )
          ? true
          : undefined,
      );
      step = 'taken over, SIGCONT sent';
      stalled.child.kill('SIGCONT');
      const refused = await stalled.until((l) => l.type === 'save-refused' && l.jobId === stalling.jobId);
      expect(refused.fence).toBe(claimed.fence);
      step = 'write refused';
      await stalled.until((l) => l.type === 'lease-lost' && l.jobId === stalling.jobId);
      step = 'done';
      live.add(stalled); // from now on a candidate for SIGKILL too
    })();

    // Chaos, meanwhile: every 15 completions, SIGKILL a random worker and start a new one.
    let kills = 0;
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const deadline = setTimeout(async () => {
      const { rows } = await store.pool.query(
        `SELECT status, count(*)::int AS n FROM "${SCHEMA}".jobs GROUP BY status`,
      );
      console.log('DEADLINE', {
        step,
        completed: completed(),
        kills,
        rows,
        stalled: stalled.lines.slice(-8),
      });
    }, 50_000);
    // A worker killed after a job's last checkpoint never says `completed`: the store has the last word.
    let done = false;
    const allCompleted = (async () => {
      while (!done) {
        const { rows } = await store.pool.query(
          `SELECT count(*)::int AS n FROM "${SCHEMA}".jobs WHERE status = 'completed'`,
        );
        done = rows[0].n === JOBS;
        if (!done) await delay(250);
      }
    })();
    while (!done) {
      const target = completed() + 25;
      await Promise.race([waitFor(() => (completed() >= target ? true : undefined)), allCompleted]);
      if (done) break;
      const victims = [...live];
      const victim = victims[Math.floor(random() * victims.length)];
      victim.child.kill('SIGKILL');
      await victim.exited;
      live.delete(victim);
      kills++;
      live.add(start());
    }
    await stallScenario;
    clearTimeout(deadline);

    const { rows: unfinished } = await store.pool.query(
      `SELECT id, status, error FROM "${SCHEMA}".jobs WHERE status <> 'completed'`,
    );
    if (unfinished.length > 0) {
      const ids = new Set(unfinished.map((r) => r.id));
      console.log(
        all.flatMap((p) =>
          p.lines.filter((l) => ids.has(l.jobId as string)).map((l) => ({ pid: p.child.pid, ...l })),
        ),
      );
    }
    expect(unfinished).toEqual([]);
    const { rows: effects } = await store.pool.query(
      `SELECT count(*)::int AS rows, count(DISTINCT (job_id, batch, item))::int AS distinct_rows FROM "${SCHEMA}".effects`,
    );
    expect(effects).toEqual([{ rows: JOBS * BATCHES * ITEMS, distinct_rows: JOBS * BATCHES * ITEMS }]);
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(lines('error').filter((l: Line) => !/lease|terminat|connect/i.test(String(l.message)))).toEqual(
      [],
    );

    // SIGTERM: a graceful stop, once each has installed its handler.
    await Promise.all([...live].map((p) => p.until((l) => l.type === 'ready')));
    for (const p of live) p.child.kill('SIGTERM');
    const exits = await Promise.all(
      [...live].map(async (p) => ({ ...(await p.exited), stderr: p.stderr() })),
    );
    expect(exits).toEqual([...live].map(() => ({ code: 0, signal: null, stderr: '' })));
  }, 90_000); // ~30 s here; the margin is for a loaded CI machine
});
