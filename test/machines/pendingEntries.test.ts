import { describe, expect, it } from 'vitest';
import { Continue, defineJob, phase, runJob } from '../../src/index.js';
import { isShared } from '../../src/persistence/sharedValues.js';

describe('the pending entries a run starts with', () => {
  it('are the same frozen objects for every run of a job, in a list of its own', async () => {
    const def = defineJob({
      name: 'pending-entries',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({ name: 'a', execute: async () => Continue }),
        phase({ name: 'b', execute: async () => Continue }),
      ],
    });
    const one = runJob(def, {});
    const two = runJob(def, {});
    // Phase b has not started in either run yet: its entry is the pending one both runs began with.
    const first = one.context.history;
    const second = two.context.history;
    expect(first).not.toBe(second);
    expect(first[1]).toBe(second[1]);
    expect(Object.isFrozen(first[1])).toBe(true);
    // Marked shared: the first checkpoint of every run writes them from the cache (encodeBody).
    expect(first.every((entry) => entry.status !== 'pending' || isShared(entry))).toBe(true);
    expect(isShared(first[1])).toBe(true);
    expect(first[1]).toEqual({
      phase: 'b',
      status: 'pending',
      startedAt: null,
      completedAt: null,
      attempts: 0,
      error: null,
    });
    expect((await one.result).status).toBe('completed');
    expect((await two.result).status).toBe('completed');
    expect(one.context.history[1]).not.toBe(two.context.history[1]);
  });
});
