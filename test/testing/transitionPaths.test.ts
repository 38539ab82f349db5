import { describe, expect, it } from 'vitest';
import { copyJob } from '../../src/jobs/copy/copyJob.js';
import { deleteJob } from '../../src/jobs/delete/deleteJob.js';
import { duplicatesJob } from '../../src/jobs/duplicates/duplicatesJob.js';
import { indexerJob } from '../../src/jobs/indexer/indexerJob.js';
import { thumbnailsJob } from '../../src/jobs/thumbnails/thumbnailsJob.js';
import { validationJob } from '../../src/jobs/validation/validationJob.js';
import { snapshotPosition } from '../../src/machines/snapshotPosition.js';
import { defineJob, type JobDefinition } from '../../src/phases/defineJob.js';
import { group } from '../../src/phases/group.js';
import { Continue } from '../../src/phases/outcomes.js';
import { phase } from '../../src/phases/phase.js';
import {
  describeEvent,
  type JobPath,
  type JobPathsOptions,
  jobPaths,
  PathLimitError,
} from '../../src/testing/jobPaths.js';
import { runPath } from '../../src/testing/runPath.js';
import { conceptsJob } from '../fixtures/conceptsJob.js';
import { historyProblems, observedPath } from './historyInvariants.js';

const run = async () => Continue;
const hook = async () => {};

/** Six phases using every outcome, recovery strategy, a `when`, a group and both hooks (as jobPaths.test.ts). */
const sample = defineJob({
  name: 'sample',
  version: 1,
  initialState: () => ({}),
  phases: [
    phase({ name: 'plan', skipsTo: ['report'], execute: run, onSuccess: hook }),
    phase({
      name: 'optional',
      when: (input: { optional?: boolean }) => input.optional === true,
      execute: run,
    }),
    group('transfer', [
      phase({ name: 'copy', recovery: { strategy: 'retry-from-checkpoint', maxAttempts: 2 }, execute: run }),
      phase({ name: 'verify', recovery: { strategy: 'restart-phase', maxAttempts: 2 }, execute: run }),
    ]),
    phase({ name: 'cleanup', recovery: { strategy: 'skip-phase' }, execute: run, onFailure: hook }),
    phase({ name: 'report', execute: run, onSuccess: hook, onFailure: hook }),
  ],
});

/** n phases, each retrying with both hooks and a SkipTo two phases on. */
function chainOf(n: number) {
  return defineJob({
    name: `chain${n}`,
    version: 1,
    initialState: () => ({}),
    phases: Array.from({ length: n }, (_, i) =>
      phase({
        name: `p${i}`,
        recovery: { strategy: 'retry-from-checkpoint', maxAttempts: 2 },
        execute: run,
        onSuccess: hook,
        onFailure: hook,
        ...(i + 2 < n ? { skipsTo: [`p${i + 2}`] } : {}),
      }),
    ),
  });
}

/** Each step as `from-state --label--> to-state`: a transition of the machine, the way paths take it. */
function transitionsOf(paths: readonly JobPath[]): Set<string> {
  const out = new Set<string>();
  for (const path of paths) {
    for (let i = 1; i < path.steps.length; i++) {
      const from = path.steps[i - 1].state;
      const label = describeEvent(path.steps[i].event, snapshotPosition(from).phase);
      out.add(`${JSON.stringify(from)} --${label}--> ${JSON.stringify(path.steps[i].state)}`);
    }
  }
  return out;
}

function problemsOf(definition: JobDefinition, paths: readonly JobPath[]): string[] {
  const problems: string[] = [];
  for (const path of paths) {
    try {
      for (const p of historyProblems(definition, observedPath(path, runPath(definition, path)))) {
        problems.push(`${path.description}\n    ${p}`);
      }
    } catch (error) {
      problems.push(`${path.description}\n    ${String(error)}`);
    }
  }
  return problems;
}

describe('jobPaths: transition coverage, the default', () => {
  it('works with no options on a six-phase job using every outcome, where simple paths explode', () => {
    const started = performance.now();
    const paths = jobPaths(sample);
    const ms = performance.now() - started;
    const steps = paths.reduce((n, p) => n + p.steps.length, 0);
    console.info(`sample, no options: ${paths.length} paths, ${steps} steps, ${ms.toFixed(0)} ms`);
    expect(paths).toEqual(jobPaths(sample, { kind: 'transitions' }));
    expect(paths.length).toBeGreaterThan(100);
    expect(paths.length).toBeLessThan(400);
    expect(new Set(paths.map((p) => p.final))).toEqual(new Set(['completed', 'failed', 'cancelled']));
    expect(() => jobPaths(sample, { kind: 'simple' })).toThrow(PathLimitError);
    const problems = problemsOf(sample, paths);
    expect(problems.slice(0, 3), `${problems.length} of ${paths.length} paths disagree`).toEqual([]);
  });

  it('takes every transition that simple paths take, in far fewer paths', () => {
    const models: JobPathsOptions[] = [
      { input: { optional: false }, controls: [], hookErrors: false },
      {
        input: { optional: true },
        outcomes: (p) => (p === 'copy' ? ['continue', 'paused', 'fatal'] : ['continue', 'nonFatal', 'fatal']),
        controls: [],
      },
      {
        input: { optional: false },
        outcomes: (p) => (p === 'copy' ? ['continue', 'fatal', 'paused'] : ['continue']),
        controls: (p) => (p === 'copy' ? ['PAUSE', 'RESUME', 'CANCEL'] : ['CANCEL']),
        nonFatalEvents: (p) => (p === 'copy' ? 1 : 0),
        hookErrors: false,
      },
    ];
    for (const model of models) {
      const simple = jobPaths(sample, { ...model, kind: 'simple' });
      const covering = jobPaths(sample, model);
      const missing = [...transitionsOf(simple)].filter((t) => !transitionsOf(covering).has(t));
      expect(missing).toEqual([]);
      expect(covering.length * 3).toBeLessThan(simple.length);
      expect(problemsOf(sample, covering)).toEqual([]);
    }
  });

  it('grows roughly linearly with the phases', () => {
    const counts = [2, 4, 6].map((n) => jobPaths(chainOf(n)).length);
    console.info(`paths for 2, 4, 6 phases: ${counts.join(', ')}`);
    // Each two phases more add about as many paths as the two before them did.
    const growth = (counts[2] - counts[1]) / (counts[1] - counts[0]);
    expect(growth).toBeGreaterThan(0.7);
    expect(growth).toBeLessThan(1.4);
  });

  it('with to: "any", one path per transition not yet taken, ending right after it', () => {
    const paths = jobPaths(sample, { input: { optional: true }, controls: [], hookErrors: false, to: 'any' });
    expect(paths.some((p) => p.final === null)).toBe(true);
    expect(
      problemsOf(
        sample,
        paths.filter((p) => p.final !== null),
      ),
    ).toEqual([]);
    const all = jobPaths(sample, { input: { optional: true }, controls: [], hookErrors: false });
    const any = transitionsOf(paths);
    expect([...transitionsOf(all)].filter((t) => !any.has(t))).toEqual([]);
    // A pause no RESUME may follow (controls: []) never ends: only to: "any" takes it.
    const stuck = [...any].filter((t) => !transitionsOf(all).has(t));
    expect(stuck.length).toBeGreaterThan(0);
    expect(stuck.every((t) => t.includes(': paused-->'))).toBe(true);
  });

  const shipped: [string, JobDefinition<any, any, any, any>, unknown][] = [
    ['indexer', indexerJob, { path: '/x', mode: 'deep' }],
    ['copy', copyJob, { sources: ['/a'], destination: '/b' }],
    ['delete', deleteJob, { paths: ['/a'] }],
    ['duplicates', duplicatesJob, { paths: ['/a'] }],
    ['validation', validationJob, { location: 1 }],
    ['thumbnails', thumbnailsJob, {}],
    ['concepts', conceptsJob, {}],
  ];
  for (const [name, job, input] of shipped) {
    it(`works with no options on the ${name} job, and every path runs`, () => {
      const paths = jobPaths(job, { input });
      expect(paths.length).toBeGreaterThan(10);
      expect(problemsOf(job, paths)).toEqual([]);
    });
  }
});
