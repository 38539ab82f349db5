import { it } from 'vitest';
import { defineJob } from '../../src/phases/defineJob.js';
import { phase } from '../../src/phases/phase.js';
import { group } from '../../src/phases/group.js';
import { Continue } from '../../src/phases/outcomes.js';
import { jobPaths } from '../../src/testing/jobPaths.js';
import { runPath } from '../../src/testing/runPath.js';
import { historyProblems, observedPath } from './historyInvariants.js';
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
it('kinds', () => {
  const kinds = new Map<string, string>();
  for (const opts of [
    { input: { optional: true }, outcomes: (p: string) => ['continue', 'fatal', 'paused', 'cancelled', 'nonFatal'], controls: (p: string) => p === 'verify' || p === 'report' ? ['PAUSE', 'RESUME', 'CANCEL'] : [], hookErrors: true, maxPaths: 100000 },
    { input: { optional: false }, outcomes: (p: string) => ['continue', 'complete', 'skipTo', 'undeclaredSkipTo', 'fatal'], controls: (p: string) => p === 'plan' || p === 'cleanup' ? ['PAUSE', 'RESUME', 'CANCEL'] : [], hookErrors: true, maxPaths: 100000 },
  ] as any[]) {
    const paths = jobPaths(sample, opts);
    console.log('paths', paths.length);
    for (const p of paths) {
      let probs: string[];
      try { probs = historyProblems(sample, observedPath(p, runPath(sample, p))); } catch (e) { probs = [String(e).slice(0, 300)]; }
      for (const x of probs) { const k = x.replace(/\d+/g, 'N').replace(/phase \w+/g, 'phase X'); if (!kinds.has(k)) kinds.set(k, p.description + '\n   ' + x); }
    }
  }
  console.log([...kinds.values()].join('\n'));
});
