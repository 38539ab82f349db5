/**
 * Checkpoint write latency of a 10 KB state on PostgreSQL: `PostgresStore.save` under a lease (the fence
 * checked in the same statement), without a fence, and with an `atomicWith` writing one row (a transaction:
 * BEGIN, fence check, the row, the checkpoint, COMMIT), against a bare `INSERT … ON CONFLICT` of the same
 * bytes into a table of the same shape. Target: ≤ 2x the bare insert for the fenced save.
 */
import { randomBytes } from 'node:crypto';
import { PostgresStore } from '../../dist/postgres.js';
import { benchDatabase } from './lib/server.js';

const owner = { workerId: 'bench', pid: process.pid, host: 'bench' };

export async function run(ctx) {
  const db = await benchDatabase();
  const store = await PostgresStore.open({ connectionString: db.url, schema: 'bench', max: 2 });
  try {
    await store.pool.query(
      'CREATE TABLE bare (id text PRIMARY KEY, updated_at bigint NOT NULL, checkpoint bytea NOT NULL)',
    );
    await store.pool.query('CREATE TABLE effects (job_id text, n integer)');
    const bytes = Uint8Array.from(randomBytes(10 * 1024));
    const meta = (n) => ({
      name: 'bench',
      version: 1,
      status: 'running',
      phase: 'work',
      percent: 50,
      errorsCount: 0,
      input: { path: '/photos' },
      updatedAt: n,
    });
    const lease = await store.acquire('fenced', owner, { leaseMs: 600_000 });
    await store.save('fenced', bytes, meta(0), { fence: lease.fence });
    let n = 0;
    // Each write changes a few bytes, on both sides, so nothing can be skipped as unchanged.
    const next = () => {
      n++;
      bytes[n % bytes.length] = n & 255;
      return n;
    };
    const m = await ctx.measure(
      {
        bare: {
          fn: () =>
            store.pool.query(
              `INSERT INTO bare (id, updated_at, checkpoint) VALUES ($1, $2, $3)
               ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, checkpoint = excluded.checkpoint`,
              ['bare', next(), bytes],
            ),
        },
        fenced: { fn: () => store.save('fenced', bytes, meta(next()), { fence: lease.fence }) },
        unfenced: { fn: () => store.save('plain', bytes, meta(next())) },
        atomicWith: {
          fn: () =>
            store.save('atomic', bytes, meta(next()), {
              atomicWith: (client) => client.query('INSERT INTO effects VALUES ($1, $2)', ['atomic', n]),
            }),
        },
      },
      { rounds: ctx.quick ? 5 : 15, warmupRounds: 2, minSampleMs: 50 },
    );
    ctx.reportVs(m, {
      name: 'postgres: checkpoint 10 KB, fenced save',
      subject: 'fenced',
      anchor: 'bare',
      anchorLabel: 'INSERT … ON CONFLICT',
      unit: 'ms/op',
      target: { max: 2 * m.variants.bare.nsPerOp.median * 1e-6 },
    });
    ctx.reportVs(m, {
      name: 'postgres: checkpoint 10 KB, no fence',
      subject: 'unfenced',
      anchor: 'bare',
      anchorLabel: 'INSERT … ON CONFLICT',
      unit: 'ms/op',
    });
    ctx.reportVs(m, {
      name: 'postgres: checkpoint 10 KB + atomicWith row',
      subject: 'atomicWith',
      anchor: 'bare',
      anchorLabel: 'INSERT … ON CONFLICT',
      unit: 'ms/op',
      note: 'atomicWith: one transaction of 5 round trips (BEGIN, fence/lease row, caller row, checkpoint, COMMIT)',
    });
  } finally {
    await store.close();
    await db.drop();
  }
}
