import { describe, expect, it } from 'vitest';
import { Continue, defineJob, MemoryStore, phase, runJob } from '../../../src/index.js';
import { flush } from '../helpers.js';

const OTHER = { workerId: 'elsewhere:1:test', pid: 1, host: 'elsewhere' };

describe('stop() before the run took its lease', () => {
  it('leaves the job free once result settled', async () => {
    const store = new MemoryStore();
    let ran = 0;
    const job = defineJob({
      name: 'early',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({
          name: 'work',
          async execute() {
            ran++;
            return Continue;
          },
        }),
      ],
    });
    const run = runJob(job, {}, { store, jobId: 'early-1' });
    await run.stop();
    const result = await run.result;
    expect(result.status).toBe('interrupted');
    await flush(5);
    const other = await store.acquire('early-1', OTHER, { leaseMs: 10_000 }).then(
      () => 'free',
      (e: Error) => e.name,
    );
    expect({ other, ran }).toEqual({ other: 'free', ran: 0 });
  });
});
