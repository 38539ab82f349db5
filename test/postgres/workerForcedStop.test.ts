import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker } from '../../src/manager/createWorker.js';
import { enqueue } from '../../src/manager/enqueue.js';
import { PostgresStore } from '../../src/persistence/stores/PostgresStore.js';
import { defineJob } from '../../src/phases/defineJob.js';
import { Continue } from '../../src/phases/outcomes.js';
import { phase } from '../../src/phases/phase.js';
import { createTestDatabase, freshSchema, PG_URL, type TestDatabase } from './testDatabase.js';

let db: TestDatabase;
beforeAll(async () => {
  if (PG_URL !== undefined) db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe.skipIf(PG_URL === undefined)('a worker’s forced stop of a phase that ignores its signal', () => {
  it('does not let another worker run the job beside the stopped phase', async () => {
    const log: string[] = [];
    let running = 0;
    let overlap = false;
    let calls = 0;
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    const job = defineJob({
      name: 'slow',
      version: 1,
      initialState: () => ({}),
      output: () => null,
      phases: [
        phase({
          name: 'copy',
          async execute() {
            const me = calls++ === 0 ? 'w1' : 'w2';
            running++;
            if (running > 1) overlap = true;
            log.push(`${me} starts`);
            if (me === 'w1') await gate; // a big copy not given ctx.signal
            log.push(`${me} ends`);
            running--;
            return Continue;
          },
        }),
      ],
    });
    const schema = freshSchema();
    const s1 = await PostgresStore.open({ connectionString: db.url, schema, max: 4 });
    const s2 = await PostgresStore.open({ connectionString: db.url, schema, max: 4 });
    try {
      await enqueue(s1, job, {}, { jobId: 'slow-1' });
      const w1 = createWorker({ store: s1, jobs: [job], leaseMs: 600, pollMs: 50, workerId: 'w1' });
      while (!log.includes('w1 starts')) await new Promise((r) => setTimeout(r, 20));
      const stopping = w1.stop({ graceMs: 0 }); // forced: the phase is stopped where it is
      const w2 = createWorker({ store: s2, jobs: [job], leaseMs: 600, pollMs: 50, workerId: 'w2' });
      // w1's phase still copies 2 s later, more than three of its 600 ms leases: w2 must still find the job taken.
      await new Promise((r) => setTimeout(r, 2000));
      openGate();
      await stopping;
      for (let i = 0; i < 100 && !log.includes('w2 ends'); i++) await new Promise((r) => setTimeout(r, 20));
      await w2.stop({ graceMs: 1000 });
      expect({ overlap, log }).toEqual({
        overlap: false,
        log: ['w1 starts', 'w1 ends', 'w2 starts', 'w2 ends'],
      });
    } finally {
      await s1.close();
      await s2.close();
    }
  }, 20_000);
});
