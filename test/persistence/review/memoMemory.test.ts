import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { encodeBody } from '../../../src/persistence/encodeBody.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const retained = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** A job's history of `n` frozen entries, each about `size` bytes encoded, distinct from every other job's. */
const historyOf = (job: number, n: number, size: number) =>
  Array.from({ length: n }, (_, i) =>
    Object.freeze({
      phase: `p${i}`,
      status: 'completed',
      startedAt: job,
      completedAt: i,
      attempts: 1,
      error: null,
      note: `${job}:${i}:`.padEnd(size, 'x'),
    }),
  );

/**
 * A manager runs thousands of jobs one after the other in one process: the list memos (one per job id) must
 * not keep every job's history. 1000 jobs of ~100 KB of history each would keep ~200 MB if memos were never
 * released; they keep the last 64 jobs' lists (~13 MB here).
 */
describe('list memos across many jobs', () => {
  it('keep a bounded number of jobs: the memory of 1000 finished jobs is given back', () => {
    const before = retained();
    for (let job = 0; job < 1000; job++) {
      const history = historyOf(job, 100, 1000);
      const errors = history.slice(0, 2);
      // Two checkpoints per job: the second one copies from the memo of the first.
      for (let k = 0; k < 2; k++) {
        encodeBody({ jobId: `job-${job}`, machine: { status: 'active', context: { history, errors } } });
      }
    }
    const grown = retained() - before;
    expect(grown).toBeLessThan(40 * 1024 * 1024);
  });
});
