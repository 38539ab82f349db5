import { describe, expect, it } from 'vitest';
import { Continue, defineJob, type JobProgress, phase, runJob, skipTo } from '../../src/index.js';
import { TestClock } from '../../src/testing/index.js';
import { deferred, flush } from './helpers.js';

/** `a` skips to `e` over `b`, `c` and `d`; every phase weighs 1. */
function skippingPhases() {
  return [
    phase({
      name: 'a',
      skipsTo: ['e'],
      async execute() {
        return skipTo('e');
      },
    }),
    ...['b', 'c', 'd', 'e'].map((name) =>
      phase({
        name,
        async execute() {
          return Continue;
        },
      }),
    ),
  ];
}

describe('progress$', () => {
  it('is throttled to one report per interval, always ends with the latest, and replays it to late subscribers', async () => {
    const clock = new TestClock(0);
    const step = deferred();
    const def = defineJob({
      name: 'prog',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({
          name: 'first',
          weight: 1,
          async execute() {
            return Continue;
          },
        }),
        phase({
          name: 'count',
          weight: 3,
          async execute(ctx) {
            for (let i = 1; i <= 1000; i++) ctx.atomicOperationComplete(i, 2000);
            await step.promise;
            for (let i = 1001; i <= 2000; i++) ctx.atomicOperationComplete(i, 2000);
            return Continue;
          },
        }),
      ],
    });
    const run = runJob(def, {}, { clock, progressIntervalMs: 100 });
    const seen: JobProgress[] = [];
    run.progress$.subscribe((p) => seen.push(p));
    await flush();
    const before = seen.length;
    await clock.advance(100);
    // 1000 calls became one report.
    expect(seen.length).toBe(before + 1);
    const mid = seen.at(-1)!;
    expect(mid).toMatchObject({
      phase: 'count',
      phaseIndex: 1,
      phaseCount: 2,
      completed: 1000,
      total: 2000,
      phasePercent: 50,
    });
    // first phase done (weight 1) + half of count (weight 3): (1 + 1.5) / 4
    expect(mid.overallPercent).toBeCloseTo(62.5);
    expect(mid.rate).toBeCloseTo(10_000); // 1000 units in 100 ms
    expect(mid.etaMs).toBeCloseTo(100);
    step.resolve();
    await clock.advance(100);
    const result = await run.result;
    expect(result.status).toBe('completed');
    expect(seen.at(-1)).toMatchObject({ status: 'completed', overallPercent: 100 });
    const late: JobProgress[] = [];
    run.progress$.subscribe((p) => late.push(p));
    expect(late).toHaveLength(1);
    expect(late[0].status).toBe('completed');
  });

  it('smooths the rate exponentially and counts errors', async () => {
    const clock = new TestClock(0);
    const gates = [deferred(), deferred()];
    const def = defineJob({
      name: 'ewma',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({
          name: 'p',
          async execute(ctx) {
            ctx.reportProgress({
              completed: 100,
              total: 1000,
              bytesCompleted: 1e6,
              bytesTotal: 1e7,
              message: 'copying',
            });
            await gates[0].promise;
            ctx.reportProgress({ completed: 400, bytesCompleted: 4e6 });
            ctx.addNonFatalError(new Error('skipped one'));
            await gates[1].promise;
            return Continue;
          },
        }),
      ],
    });
    const run = runJob(def, {}, { clock, progressIntervalMs: 100 });
    const seen: JobProgress[] = [];
    run.progress$.subscribe((p) => seen.push(p));
    await flush();
    await clock.advance(1000);
    // 100 units in the 100 ms before the first report
    expect(seen.at(-1)).toMatchObject({
      rate: 1000,
      message: 'copying',
      bytesCompleted: 1e6,
      bytesTotal: 1e7,
      bytesRate: 1e7,
    });
    gates[0].resolve();
    await flush();
    await clock.advance(1000);
    const last = seen.at(-1)!;
    // 300 units in 1 s: 0.3 * 300 + 0.7 * 1000
    expect(last.rate).toBeCloseTo(790);
    expect(last.errorsCount).toBe(1);
    expect(last.etaMs).toBeCloseTo((600 / 790) * 1000);
    gates[1].resolve();
    await run.result;
  });

  it('events$ reports the lifecycle in order', async () => {
    const def = defineJob({
      name: 'events',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({
          name: 'a',
          async execute() {
            return Continue;
          },
        }),
        phase({
          name: 'b',
          when: () => false,
          async execute() {
            return Continue;
          },
        }),
      ],
    });
    const run = runJob(def, {});
    const types: string[] = [];
    run.events$.subscribe((e) => types.push(`${e.type}${'phase' in e && e.phase ? `:${e.phase}` : ''}`));
    await run.result;
    expect(types).toEqual([
      'started:a',
      'phaseStarted:a',
      'checkpointed:a',
      'phaseCompleted:a',
      'phaseSkipped:b',
      'completed:a',
      'checkpointed:a',
    ]);
  });

  it('events$ reports every phase a SkipTo passes over, in order, and progress reaches 100%', async () => {
    const def = defineJob({
      name: 'skips',
      version: 1,
      initialState: () => ({}),
      phases: skippingPhases(),
    });
    const run = runJob(def, {});
    const types: string[] = [];
    run.events$.subscribe((e) => {
      if (e.type.startsWith('phase')) types.push(`${e.type}:${'phase' in e ? e.phase : ''}`);
    });
    let last: JobProgress | undefined;
    run.progress$.subscribe((p) => {
      last = p;
    });
    await run.result;
    expect(types).toEqual([
      'phaseStarted:a',
      'phaseCompleted:a',
      'phaseSkipped:b',
      'phaseSkipped:c',
      'phaseSkipped:d',
      'phaseStarted:e',
      'phaseCompleted:e',
    ]);
    expect(last?.overallPercent).toBe(100);
  });

  it('shares the weight of phases a SkipTo passes over and of phases whose `when` is false, phase after phase', async () => {
    const def = defineJob({
      name: 'skipWeights',
      version: 1,
      initialState: () => ({}),
      phases: [
        ...skippingPhases(),
        phase({
          name: 'off',
          when: () => false,
          async execute() {
            return Continue;
          },
        }),
      ],
    });
    const run = runJob(def, {});
    const frames: JobProgress[] = [];
    run.progress$.subscribe((p) => frames.push(p));
    await run.result;
    // Six phases of weight 1: b, c and d skipped, `off` never runs; `a` done of the two that run: 50%.
    const atE = frames.find((p) => p.phase === 'e');
    expect(atE?.overallPercent).toBe(50);
    expect(frames.at(-1)?.overallPercent).toBe(100);
  });
});
