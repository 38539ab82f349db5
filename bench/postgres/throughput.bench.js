/**
 * Small jobs through a shared PostgreSQL queue: 5 no-op phases with boundary checkpoints each, run by 1, 2
 * and 4 workers (`createWorker`, one job at a time each, woken by NOTIFY), against pg-boss 10 running the
 * same trivial handler with the same number of workers on the same server. Figure: jobs/s from the first
 * enqueue being runnable to the last job completed. Goal: ≥ pg-boss's jobs/s (ratio ≥ 1).
 *
 * pg-boss waits its polling interval (minimum 0.5 s) after every fetch, jobs or not, so it is given a batch
 * of 20 jobs per fetch: one job per fetch would cap it at 2 jobs/s per worker.
 */
import PgBoss from 'pg-boss';
import { Continue, defineJob, phase } from '../../dist/index.js';
import { createWorker, enqueue, PostgresStore } from '../../dist/postgres.js';
import { benchDatabase, until } from './lib/server.js';

/** Jobs each phasekit worker runs at once (pg-boss: a batch of 20 per fetch). */
const CONCURRENCY = 8;

const noop = (name) => phase({ name, execute: async () => Continue });
const smallJob = defineJob({
  name: 'small',
  version: 1,
  initialState: () => ({}),
  output: () => null,
  phases: ['a', 'b', 'c', 'd', 'e'].map(noop),
});

async function phasekitRun(url, schema, workers, jobs) {
  const admin = await PostgresStore.open({ connectionString: url, schema, max: 4 });
  const stores = await Promise.all(
    Array.from({ length: workers }, () =>
      PostgresStore.open({ connectionString: url, schema, max: CONCURRENCY + 2 }),
    ),
  );
  // Queued first, while no worker runs: then the clock starts and the workers drain the queue.
  for (let i = 0; i < jobs; i++) await enqueue(admin, smallJob, {}, { jobId: `j${i}` });
  const t0 = performance.now();
  const running = stores.map((store) =>
    createWorker({ store, jobs: [smallJob], concurrency: CONCURRENCY, leaseMs: 30_000, pollMs: 500 }),
  );
  let done = 0;
  for (const w of running) w.events$.subscribe((e) => e.type === 'completed' && done++);
  await until(() => done >= jobs);
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(running.map((w) => w.stop()));
  await Promise.all([...stores, admin].map((s) => s.close()));
  return jobs / seconds;
}

async function pgBossRun(url, schema, workers, jobs) {
  const boss = new PgBoss({
    connectionString: url,
    schema,
    max: workers + 2,
    supervise: false,
    schedule: false,
  });
  boss.on('error', () => {});
  await boss.start();
  const queue = 'small';
  await boss.createQueue(queue);
  await boss.insert(Array.from({ length: jobs }, (_, i) => ({ name: queue, data: { i } })));
  let done = 0;
  const t0 = performance.now();
  for (let w = 0; w < workers; w++) {
    await boss.work(queue, { batchSize: 20, pollingIntervalSeconds: 0.5 }, async (batch) => {
      for (const _job of batch) {
        for (let p = 0; p < 5; p++) await Promise.resolve(); // the same five no-op phases
        done++;
      }
    });
  }
  await until(() => done >= jobs);
  // The handler's completions are written after it returns: wait for them too.
  await until(async () => (await boss.getQueueSize(queue, { before: 'completed' })) === 0, 20);
  const seconds = (performance.now() - t0) / 1000;
  await boss.stop({ graceful: false, wait: true });
  return jobs / seconds;
}

export async function run(ctx) {
  const db = await benchDatabase();
  const jobs = ctx.quick ? 60 : 200;
  const rounds = ctx.quick ? 1 : 3;
  try {
    for (const workers of [1, 2, 4]) {
      const ours = [];
      const theirs = [];
      for (let r = 0; r < rounds; r++) {
        ours.push(await phasekitRun(db.url, `pk_${workers}_${r}`, workers, jobs));
        theirs.push(await pgBossRun(db.url, `boss_${workers}_${r}`, workers, jobs));
      }
      const s = ctx.stats(ours);
      const a = ctx.stats(theirs);
      const ratios = ctx.stats(ours.map((x, i) => x / theirs[i]));
      ctx.report({
        name: `postgres: small jobs, ${workers} worker${workers > 1 ? 's' : ''}`,
        figure: s.median,
        unit: 'jobs/s',
        spread: s,
        anchor: 'pg-boss, same workers',
        anchorFigure: a.median,
        ratio: ratios.median,
        ratioSpread: ratios,
        target: { min: a.median },
        note:
          workers === 1
            ? `${jobs} jobs of 5 no-op phases, 7 checkpoints each; pg-boss: batchSize 20, polling 0.5 s`
            : undefined,
      });
    }
  } finally {
    await db.drop();
  }
}
