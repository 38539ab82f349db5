import { it } from 'vitest';
import { Continue, defineJob, group, phase } from '../../src/index.js';
import { jobPaths } from '../../src/testing/index.js';
const backup = defineJob({
  name: 'backup',
  version: 1,
  initialState: () => ({ copied: 0 }),
  phases: [
    phase({ name: 'plan', skipsTo: ['report'], async execute() { return Continue; } }),
    phase({ name: 'thumbnails', when: (input: { thumbnails: boolean }) => input.thumbnails,
      async execute() { return Continue; } }),
    group('transfer', [
      phase({ name: 'upload', recovery: { strategy: 'retry-from-checkpoint', maxAttempts: 3 },
        async execute() { return Continue; }, async onFailure() {} }),
      phase({ name: 'verify', recovery: { strategy: 'skip-phase' }, async execute() { return Continue; } }),
    ]),
    phase({ name: 'report', async execute() { return Continue; }, async onSuccess() {} }),
  ],
});
it('n', () => {
  const c = (name: string, o: any) => { for (const thumbnails of [false, true]) { try { console.log(name, thumbnails, jobPaths(backup, { input: { thumbnails }, ...o }).length); } catch (e) { console.log(name, 'boom'); } } };
  c('A', { controls: (p: string) => (p === 'upload' ? ['PAUSE', 'RESUME', 'CANCEL'] : []), hookErrors: false });
  c('B', { outcomes: (p: string) => (p === 'upload' ? ['continue', 'fatal', 'paused'] : ['continue', 'fatal', 'skipTo', 'complete']), controls: (p: string) => (p === 'upload' ? ['PAUSE', 'RESUME', 'CANCEL'] : ['CANCEL']), hookErrors: false });
  c('C', { outcomes: ['continue', 'skipTo', 'fatal', 'nonFatal'], controls: (p: string) => (p === 'upload' ? ['PAUSE', 'RESUME', 'CANCEL'] : []), hookErrors: false });
});
