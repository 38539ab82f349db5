import { describe, expect, it } from 'vitest';
import { Continue, defineJob, MemoryStore, phase, runJob } from '../../../src/index.js';
import { TestClock } from '../../../src/testing/index.js';
import { deferred, flush } from '../helpers.js';

const OTHER = { workerId: 'elsewhere:1:test', pid: 1, host: 'elsewhere' };

describe('a stopped run whose phase code outlives the lease', () => {
  it('keeps the job locked while that code runs: the stopped run renews its lease until the code returns', async () => {
    const clock = new TestClock();
    const store = new MemoryStore({ now: () => clock.now() });
    const started = deferred();
    const gate = deferred();
    const job = defineJob({
      name: 'long',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({
          name: 'work',
          async execute() {
            started.resolve();
            await gate.promise; // ignores ctx.signal, e.g. a copy of a large file
            return Continue;
          },
        }),
      ],
    });
    const run = runJob(job, {}, { store, clock, jobId: 'long-1', leaseMs: 30_000 });
    await started.promise;
    // While running, the heartbeat keeps the lease: time passes, nobody else gets it.
    await run.stop(); // as a worker's forced stop after its grace period
    await flush(5);
    for (let i = 0; i < 31; i++) await clock.advance(1000); // the phase's code is still in its await, 31 s later
    await flush(5);
    // The stopped run still has code running, 31 s later (the lease is 30 s): the job is still its own.
    const other = await store.acquire('long-1', OTHER, { leaseMs: 30_000 }).then(
      () => 'acquired by another owner while the stopped run’s code runs',
      (e: Error) => e.name,
    );
    gate.resolve();
    await run.result;
    expect(other).toBe('JobLockedError');
  });
});
