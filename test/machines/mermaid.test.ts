import { expect, it } from 'vitest';
import { Continue, defineJob, group, phase, toMermaid } from '../../src/index.js';

it('draws a job', () => {
  const job = defineJob({
    name: 'draw',
    version: 1,
    initialState: () => ({}),
    phases: [
      phase({ name: 'a', skipsTo: ['d'], async execute() { return Continue; } }),
      group('g', [phase({ name: 'b', when: () => true, recovery: { strategy: 'restart-phase', maxAttempts: 3 }, async execute() { return Continue; } }), phase({ name: 'c', async execute() { return Continue; } })]),
      phase({ name: 'd', async onFailure() {}, async execute() { return Continue; } }),
    ],
  });
  console.log(toMermaid(job));
  console.log(toMermaid(job, { detail: 'states' }));
});
