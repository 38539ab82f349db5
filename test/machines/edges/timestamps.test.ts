import { describe, expect, it } from 'vitest';
import { Continue, defineJob, phase, runJob } from '../../../src/index.js';
import { TestClock } from '../../../src/testing/index.js';

describe('history timestamps', () => {
  it('gives every phase that ran a startedAt and a completedAt from the injected clock, onSuccess or not', async () => {
    const clock = new TestClock(1_000);
    const tick = async () => {
      await clock.advance(10);
    };
    const job = defineJob({
      name: 'stamps',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({ name: 'a', execute: async () => Continue }),
        phase({
          name: 'b',
          execute: async () => Continue,
          async onSuccess() {},
        }),
        phase({ name: 'c', execute: async () => Continue, async onSuccess() {} }),
        phase({ name: 'd', execute: async () => Continue }),
      ],
    });
    const run = runJob(job, {}, { clock });
    for (let i = 0; i < 20; i++) await tick();
    const result = await run.result;
    expect(result.status).toBe('completed');
    for (const entry of result.history) {
      expect(entry.status).toBe('completed');
      expect(typeof entry.startedAt).toBe('number');
      expect(typeof entry.completedAt).toBe('number');
      expect(entry.completedAt!).toBeGreaterThanOrEqual(entry.startedAt!);
      expect(entry.startedAt!).toBeGreaterThanOrEqual(1_000);
    }
  });
});
