import { encode } from '@msgpack/msgpack';
import { getSimplePaths } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import { compileJob } from '../../src/machines/compileJob.js';
import { defineJob } from '../../src/phases/defineJob.js';
import { group } from '../../src/phases/group.js';
import { Continue } from '../../src/phases/outcomes.js';
import { phase } from '../../src/phases/phase.js';
import {
  describeEvent,
  type JobPath,
  type JobPathsOptions,
  jobEvents,
  jobPaths,
  PathLimitError,
  type PhaseOutcome,
} from '../../src/testing/jobPaths.js';
import { PathMismatchError, runPath } from '../../src/testing/runPath.js';
import { historyProblems, observedPath } from './historyInvariants.js';

const run = async () => Continue;
const hook = async () => {};

/**
 * Every outcome, every recovery strategy, a conditional phase, a group and both hooks. The phase bodies never
 * run: runPath scripts their outcomes.
 */
const sample = defineJob({
  name: 'sample',
  version: 1,
  initialState: () => ({}),
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

/**
 * Three models of the job's world, each a few hundred to ~1500 simple paths (every outcome in every phase and
 * every control event everywhere at once would be ~10^5). Together they use every outcome, hook, control
 * event and final state; the coverage test below checks that.
 */
const models: Record<string, JobPathsOptions> = {
  // Every outcome in every phase, one after another: retries, skips, aborts and their mixes.
  everyOutcome: { input: { optional: false }, controls: [], hookErrors: false },
  // The conditional phase runs; every hook and output() may throw too.
  hooksAndWhen: {
    input: { optional: true },
    outcomes: (p) =>
      (({
        plan: ['continue', 'complete', 'skipTo', 'undeclaredSkipTo'],
        optional: ['continue', 'complete', 'nonFatal', 'fatal'],
        copy: ['continue', 'paused', 'fatal'],
        verify: ['continue', 'fatal'],
        cleanup: ['continue', 'fatal', 'cancelled'],
        report: ['continue', 'nonFatal', 'fatal', 'cancelled'],
      }) as Record<string, PhaseOutcome[]>)[p],
    controls: [],
  },
  // PAUSE / RESUME / CANCEL and addNonFatalError around the retrying phase, CANCEL around every other one.
  controls: {
    input: { optional: false },
    outcomes: (p) => (p === 'copy' ? ['continue', 'fatal', 'paused'] : ['continue']),
    controls: (p) => (p === 'copy' ? ['PAUSE', 'RESUME', 'CANCEL'] : ['CANCEL']),
    nonFatalEvents: (p) => (p === 'copy' ? 1 : 0),
    hookErrors: false,
  },
};

function problemsOf(paths: readonly JobPath[]): string[] {
  const problems: string[] = [];
  for (const path of paths) {
    let found: string[];
    try {
      found = historyProblems(sample, observedPath(path, runPath(sample, path)));
    } catch (error) {
      found = [String(error)];
    }
    for (const p of found) problems.push(`${path.description}\n    ${p}`);
  }
  return problems;
}

describe('jobPaths + runPath on a job with every outcome', () => {
  for (const [name, options] of Object.entries(models)) {
    it(`runs every simple path of the ${name} model, and each history agrees with its path`, () => {
      const started = performance.now();
      const paths = jobPaths(sample, options);
      const problems = problemsOf(paths);
      const steps = paths.reduce((n, p) => n + p.steps.length, 0);
      console.info(`${name}: ${paths.length} paths, ${steps} steps, ${(performance.now() - started).toFixed(0)} ms`);
      expect(paths.length).toBeGreaterThan(50);
      expect(paths.length).toBeLessThan(2000);
      expect(problems.slice(0, 3), `${problems.length} of ${paths.length} paths disagree`).toEqual([]);
    });
  }

  it('covers every outcome, recovery, hook, control event and final state', () => {
    const paths = Object.values(models).flatMap((options) => jobPaths(sample, options));
    const labels = new Set(paths.flatMap((p) => p.description.split(/ → | ⇒ /)));
    for (const label of [
      'plan: continue',
      'plan: complete',
      'plan: skipTo(report)',
      'plan: skipTo(copy)', // undeclared: plan declares only report
      'plan: onSuccess threw',
      'optional: continue',
      'optional: fatal',
      'copy: fatal',
      'copy: backoff elapsed',
      'copy: paused',
      'copy: PAUSE',
      'copy: RESUME',
      'copy: CANCEL',
      'copy: addNonFatalError',
      'verify: fatal',
      'cleanup: fatal',
      'cleanup: cancelled',
      'cleanup: onFailure done',
      'cleanup: onFailure threw',
      'report: nonFatal',
      'report: onSuccess done',
      'report: onFailure done',
      'report: CANCEL',
      'output() threw',
      'completed',
      'failed',
      'cancelled',
    ]) {
      expect(labels, label).toContain(label);
    }
    // The conditional phase is skipped with optional=false.
    const skipping = paths.filter((p) => !(p.input as { optional: boolean }).optional);
    expect(skipping.length).toBeGreaterThan(0);
    expect(skipping.some((p) => p.description.includes('optional:'))).toBe(false);
  });

  it('gives the same paths as @xstate/graph getSimplePaths to the final states', () => {
    const small = { outcomes: ['continue', 'fatal', 'paused'] as const, controls: [], hookErrors: false, input: { optional: false } };
    const ours = jobPaths(sample, small);
    const machine = compileJob(sample);
    const theirs = getSimplePaths(machine, {
      input: { jobId: 'job-under-test', input: { optional: false } },
      events: (s) => jobEvents(sample, s, small) as never,
      toState: (s) => s.status === 'done',
    });
    const key = (events: readonly unknown[]) => JSON.stringify(events);
    expect(new Set(ours.map((p) => key(p.steps.map((s) => s.event))))).toEqual(
      new Set(theirs.map((p) => key(p.steps.map((s) => s.event)))),
    );
    expect(ours.length).toBe(theirs.length);
  });

  it('finds one shortest path per end state, and paths to every state with to: "any"', () => {
    const shortest = jobPaths(sample, { ...models.hooksAndWhen, kind: 'shortest' });
    const simple = jobPaths(sample, models.hooksAndWhen);
    expect(shortest.length).toBeGreaterThan(0);
    expect(shortest.length).toBeLessThan(simple.length);
    expect(shortest.every((p) => p.final !== null)).toBe(true);
    expect(problemsOf(shortest)).toEqual([]);
    const everywhere = jobPaths(sample, { ...models.everyOutcome, kind: 'shortest', to: 'any' });
    expect(everywhere.some((p) => p.final === null)).toBe(true);
    expect(everywhere[0].steps).toHaveLength(1); // the start itself
  });

  it('returns plain data that survives JSON and MessagePack', () => {
    const paths = jobPaths(sample, { ...models.hooksAndWhen, kind: 'shortest' });
    const again = JSON.parse(JSON.stringify(paths)) as JobPath[];
    expect(again).toEqual(paths);
    expect(() => encode(paths)).not.toThrow();
    for (const path of again) runPath(sample, path);
  });

  it('stops a model that explodes with PathLimitError', () => {
    expect(() => jobPaths(sample, { input: { optional: true }, maxPaths: 50 })).toThrow(PathLimitError);
    expect(() => jobPaths(sample, { input: { optional: true }, maxStates: 20 })).toThrow(/more than 20 states/);
    const short = jobPaths(sample, { ...models.everyOutcome, maxSteps: 9 });
    expect(short.every((p) => p.steps.length <= 10)).toBe(true);
  });

  it('offers only what the current state can take', () => {
    const machine = compileJob(sample);
    const paths = jobPaths(sample, { input: { optional: false }, kind: 'shortest', to: 'any' });
    expect(paths.length).toBeGreaterThan(50);
    for (const path of paths) {
      const state = machine.resolveState({ value: path.steps.at(-1)!.state, context: {} as never });
      expect(state.status).toBe(path.final ? 'done' : 'active');
    }
    const fatalOnly = jobPaths(sample, { input: { optional: false }, outcomes: ['fatal'], controls: [], hookErrors: false });
    // plan aborts on its first fatal error: one path.
    expect(fatalOnly.map((p) => p.description)).toEqual(['plan: fatal ⇒ failed']);
    const noRetries = jobPaths(sample, { input: { optional: false }, outcomes: ['continue', 'fatal'], controls: [], hookErrors: false, maxRetries: 0 });
    expect(noRetries.some((p) => p.description.includes('backoff'))).toBe(false);
    expect(noRetries.some((p) => p.description.includes('copy: fatal ⇒ failed'))).toBe(false);
  });

  it('labels events by phase', () => {
    expect(describeEvent({ type: 'xstate.done.actor.execute-copy', output: { kind: 'skipTo', phase: 'report' } }, 'copy')).toBe('copy: skipTo(report)');
    expect(describeEvent({ type: 'PAUSE' }, 'copy')).toBe('copy: PAUSE');
    expect(describeEvent({ type: 'xstate.done.actor.output', output: { output: 1 } }, null)).toBe('output()');
  });
});

describe('runPath', () => {
  const [path] = jobPaths(sample, { input: { optional: false }, outcomes: ['continue'], controls: [], hookErrors: false });

  it('drives a real actor and returns its history and every actor it started', () => {
    const result = runPath(sample, path);
    expect(result.status).toBe('done');
    expect(result.context.history.map((h) => h.status)).toEqual(['completed', 'skipped', 'completed', 'completed', 'completed', 'completed']);
    expect(result.output?.status).toBe('completed');
    expect(result.invocations.filter((i) => i.actor === 'runPhase').map((i) => i.input.phase)).toEqual(['plan', 'copy', 'verify', 'cleanup', 'report']);
    expect(result.invocations.at(-1)).toMatchObject({ actor: 'finalize', step: path.steps.length - 2 });
  });

  it('throws PathMismatchError naming the path, the step, and both states', () => {
    const wrong: JobPath = { ...path, steps: path.steps.map((s, i) => (i === 2 ? { ...s, state: { transfer: { copy: 'paused' } } } : s)) };
    let error: unknown;
    try {
      runPath(sample, wrong);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PathMismatchError);
    const mismatch = error as PathMismatchError;
    expect(mismatch.step).toBe(2);
    expect(mismatch.what).toBe('state');
    expect(mismatch.expected).toEqual({ transfer: { copy: 'paused' } });
    expect(mismatch.message).toContain(path.description);
    expect(mismatch.message).toContain('after plan: onSuccess done');
    expect(mismatch.message).toContain('"transfer":{"copy":"running"}');
  });

  it('throws PathMismatchError when the job ends otherwise than the path says', () => {
    expect(() => runPath(sample, { ...path, final: 'failed' })).toThrow(/did not end as the path says/);
  });
});
