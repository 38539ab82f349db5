import { it } from 'vitest';
import { defineJob } from '../../src/phases/defineJob.js';
import { phase } from '../../src/phases/phase.js';
import { group } from '../../src/phases/group.js';
import { Continue } from '../../src/phases/outcomes.js';
import { jobPaths } from '../../src/testing/jobPaths.js';
import { runPath } from '../../src/testing/runPath.js';

const noop = async () => Continue;
const hook = async () => {};
const job = defineJob({
  name: 'sample', version: 1, initialState: () => ({}),
  phases: [
    phase({ name: 'plan', skipsTo: ['report'], execute: noop, onSuccess: hook }),
    phase({ name: 'optional', when: (i: any) => i.optional, execute: noop }),
    group('transfer', [
      phase({ name: 'copy', recovery: { strategy: 'retry-from-checkpoint', maxAttempts: 2 }, execute: noop }),
      phase({ name: 'verify', recovery: { strategy: 'restart-phase', maxAttempts: 2 }, execute: noop }),
    ]),
    phase({ name: 'cleanup', recovery: { strategy: 'skip-phase' }, execute: noop, onFailure: hook }),
    phase({ name: 'report', execute: noop, onSuccess: hook, onFailure: hook }),
  ],
});
it('counts', () => {
  const paths = jobPaths(job, { controls: [], hookErrors: false, input: { optional: false } });
  const steps = paths.reduce((n, p) => n + p.steps.length, 0);
  for (const restore of [false, true, false, true]) {
    const t = performance.now();
    for (const p of paths) runPath(job, p, { restore });
    console.log(restore, paths.length, steps, (performance.now() - t).toFixed(0));
  }
});
