/**
 * Takeover: a worker process running a job is SIGKILLed; how long until another worker runs that job, for a
 * few lease lengths. The lease is renewed every third of its length, so a dead worker's lease lapses 2/3 to
 * 1 lease after the kill; the waiting worker polls every 50 ms (a lapse sends no notification). Target: ≤ the
 * lease plus 250 ms.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createWorker, enqueue, PostgresStore } from '../../dist/postgres.js';
import { holdJob } from './lib/holdJob.mjs';
import { benchDatabase } from './lib/server.js';

const holder = fileURLToPath(new URL('./lib/holder.mjs', import.meta.url));

async function takeover(url, schema, leaseMs) {
  const store = await PostgresStore.open({ connectionString: url, schema, max: 3 });
  await enqueue(store, holdJob, {}, { jobId: 'held' });
  const child = fork(holder, [url, schema, String(leaseMs)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise((resolve) => child.on('message', (m) => m.type === 'claimed' && resolve()));
  // Kill at a random point of the renewal cycle, as a crash would.
  await new Promise((resolve) => setTimeout(resolve, Math.random() * (leaseMs / 3)));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  const t0 = performance.now();
  await exited;
  const worker = createWorker({ store, jobs: [holdJob], leaseMs, pollMs: 50 });
  const ms = await new Promise((resolve) =>
    worker.events$.subscribe((e) => e.type === 'claimed' && resolve(performance.now() - t0)),
  );
  await worker.stop({ graceMs: 0 });
  await store.close();
  return ms;
}

export async function run(ctx) {
  const db = await benchDatabase();
  const rounds = ctx.quick ? 2 : 5;
  try {
    for (const leaseMs of [1000, 3000]) {
      const times = [];
      for (let r = 0; r < rounds; r++) times.push(await takeover(db.url, `t_${leaseMs}_${r}`, leaseMs));
      const s = ctx.stats(times);
      ctx.report({
        name: `postgres: takeover after SIGKILL, lease ${leaseMs} ms`,
        figure: s.median,
        unit: 'ms',
        spread: s,
        anchor: 'lease length',
        anchorFigure: leaseMs,
        ratio: s.median / leaseMs,
        target: { max: leaseMs + 250 },
        note:
          leaseMs === 1000
            ? `max of ${rounds}: ${Math.round(s.max)} ms (1000) — renewals every lease/3`
            : undefined,
      });
    }
  } finally {
    await db.drop();
  }
}
