import { it } from 'vitest';
import { defineJob } from '../../src/phases/defineJob.js';
import { phase } from '../../src/phases/phase.js';
import { group } from '../../src/phases/group.js';
import { Continue } from '../../src/phases/outcomes.js';
import { jobPaths } from '../../src/testing/jobPaths.js';
import { runPath } from '../../src/testing/runPath.js';
const run = async () => Continue;
const hook = async () => {};
const sample = defineJob({
  name: 'sample', version: 1, initialState: () => ({}),
  phases: [
    phase({ name: 'plan', skipsTo: ['report'], execute: run, onSuccess: hook }),
    phase({ name: 'optional', when: (input: { optional: boolean }) => input.optional, execute: run }),
    group('transfer', [
      phase({ name: 'copy', recovery: { strategy: 'retry-from-checkpoint', maxAttempts: 2 }, execute: run }),
      phase({ name: 'verify', recovery: { strategy: 'restart-phase', maxAttempts: 2 }, execute: run }),
    ]),
    phase({ name: 'cleanup', recovery: { strategy: 'skip-phase' }, execute: run, onFailure: hook }),
    phase({ name: 'report', execute: run, onSuccess: hook, onFailure: hook }),
  ],
});
it('time', () => {
  const paths = jobPaths(sample, { input: { optional: false }, controls: [], hookErrors: false });
  for (const restore of [false, true, false, true]) {
    const t = performance.now();
    for (const p of paths) runPath(sample, p, { restore });
    console.log('restore', restore, (performance.now() - t).toFixed(0));
  }
});
