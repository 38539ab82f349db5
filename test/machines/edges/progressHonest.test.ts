import { describe, expect, it } from 'vitest';
import {
  Continue,
  defineJob,
  type JobEvent,
  type JobProgress,
  MemoryStore,
  phase,
  resumeJob,
  runJob,
} from '../../../src/index.js';
import { TestClock } from '../../../src/testing/index.js';

interface S {
  done: number;
}
/** `work` handles 100 units, 10 per step; the test lets each step go. */
function jobWith(gate: { next?: () => Promise<void> }) {
  return defineJob<S>({
    name: 'honest',
    version: 1,
    initialState: () => ({ done: 0 }),
    phases: [
      phase<S>({ name: 'a', weight: 1, execute: async () => Continue }),
      phase<S>({
        name: 'work',
        weight: 3,
        async execute(ctx) {
          while (ctx.state.done < 100) {
            await gate.next?.();
            ctx.state.done += 10;
            // Reported before the checkpoint, so the checkpoint stores the figures of the work it commits.
            ctx.atomicOperationComplete(ctx.state.done, 100);
            await ctx.checkpoint({ force: true });
            ctx.checkInterrupt();
          }
          return Continue;
        },
      }),
      phase<S>({ name: 'never', weight: 4, when: () => false, execute: async () => Continue }),
      phase<S>({ name: 'b', weight: 1, execute: async () => Continue }),
    ],
  });
}

/** A gate the test opens one step at a time, advancing the clock by `ms` per step. */
function stepper(clock: TestClock) {
  const waiting: (() => void)[] = [];
  return {
    gate: { next: () => new Promise<void>((resolve) => waiting.push(resolve)) },
    async step(ms = 100) {
      while (waiting.length === 0) await clock.advance(0);
      waiting.shift()!();
      await clock.advance(ms);
    },
  };
}

const nonDecreasing = (seen: JobProgress[]) =>
  seen.every((p, i) => i === 0 || p.overallPercent >= seen[i - 1].overallPercent - 1e-9);

describe('progress that does not lie', () => {
  it('never goes down over pause, resume and restore; shares a skipped phase’s weight; rates count only new work', async () => {
    const clock = new TestClock(0);
    const store = new MemoryStore();
    const s = stepper(clock);
    const job = jobWith(s.gate);
    const run = runJob(job, {}, { clock, store, jobId: 'h1', progressIntervalMs: 50 });
    const seen: JobProgress[] = [];
    const events: JobEvent[] = [];
    run.progress$.subscribe((p) => seen.push(p));
    run.events$.subscribe((e) => events.push(e));
    for (let i = 0; i < 4; i++) await s.step();
    // `never` (weight 4) will not run: a (1) done + 40 % of work (3) over the 5 that run = 44 %.
    expect(seen.at(-1)!.overallPercent).toBeCloseTo(44, 5);
    const beforePause = seen.at(-1)!.overallPercent;
    const pausing = run.pause();
    await s.step();
    await pausing;
    await clock.advance(100);
    expect(seen.at(-1)!.overallPercent).toBeGreaterThanOrEqual(beforePause);
    await run.resume();
    await clock.advance(10);
    expect(seen.at(-1)!.overallPercent).toBeGreaterThanOrEqual(beforePause);
    await s.step();
    expect(nonDecreasing(seen)).toBe(true);
    // The phase waits at its gate, which does not watch its signal: stop() waits for it to return (its next
    // checkpoint throws, as the run has stopped), so the gate opens once for it.
    const stopping = run.stop();
    await s.step();
    await stopping;

    // Restored in another run: it starts where it was, and its rate counts only what it does now.
    const again = await resumeJob(job, 'h1', { clock, store, progressIntervalMs: 50 });
    const after: JobProgress[] = [];
    const againEvents: JobEvent[] = [];
    again.progress$.subscribe((p) => after.push(p));
    again.events$.subscribe((e) => againEvents.push(e));
    await clock.advance(0);
    expect(after[0].overallPercent).toBeGreaterThanOrEqual(seen.at(-1)!.overallPercent - 1e-9);
    await clock.advance(1000); // the phase waits at its gate for 1 s, then does 10 units a second
    await s.step(1000);
    await s.step(1000);
    const last = after.at(-1)!;
    expect(last.rate).toBeGreaterThan(5);
    expect(last.rate).toBeLessThan(20);
    if (last.etaMs !== null) expect(last.etaMs).toBeGreaterThan(1000);
    while ((again.state as S).done < 100) await s.step();
    const result = await again.result;
    expect(result.status).toBe('completed');
    expect(after.at(-1)!.overallPercent).toBe(100);
    expect(nonDecreasing(after)).toBe(true);
    expect(againEvents.filter((e) => e.type === 'resumed')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'resumed')).toHaveLength(1);
  });

  it('keeps the percent a cancelled job reached, in progress$ and in the store', async () => {
    const clock = new TestClock(0);
    const store = new MemoryStore();
    const s = stepper(clock);
    const run = runJob(jobWith(s.gate), {}, { clock, store, jobId: 'h2', progressIntervalMs: 50 });
    const seen: JobProgress[] = [];
    run.progress$.subscribe((p) => seen.push(p));
    for (let i = 0; i < 4; i++) await s.step();
    const reached = seen.at(-1)!.overallPercent;
    const cancelling = run.cancel();
    await s.step();
    await cancelling;
    const result = await run.result;
    expect(result.status).toBe('cancelled');
    expect(seen.at(-1)!.overallPercent).toBeLessThanOrEqual(reached + (3 * 10) / 5 + 1e-9);
    expect(seen.at(-1)!.overallPercent).toBeLessThan(60);
    const [record] = await store.list();
    expect(record.status).toBe('cancelled');
    expect(record.percent).toBeCloseTo(seen.at(-1)!.overallPercent, 5);
  });

  it('restores the percent a phase reported itself: the first frame after a restore shows it', async () => {
    const clock = new TestClock(0);
    const store = new MemoryStore();
    const waiting: (() => void)[] = [];
    const job = defineJob({
      name: 'explicitPercent',
      version: 1,
      initialState: () => ({ i: 0 }),
      phases: [
        phase<{ i: number }>({
          name: 'work',
          async execute(ctx) {
            for (; ctx.state.i < 10; ctx.state.i++) {
              ctx.reportProgress({ percent: ctx.state.i * 10, message: `at ${ctx.state.i}` });
              await ctx.checkpoint({ force: true });
              await new Promise<void>((resolve) => waiting.push(resolve));
              ctx.checkInterrupt();
            }
            return Continue;
          },
        }),
        phase<{ i: number }>({ name: 'two', execute: async () => Continue }),
      ],
    });
    const step = async () => {
      while (waiting.length === 0) await clock.advance(0);
      waiting.shift()!();
      await clock.advance(0);
    };
    const run = runJob(job, {}, { clock, store, jobId: 'ep', progressIntervalMs: 10 });
    for (let k = 0; k < 5; k++) await step();
    while (waiting.length === 0) await clock.advance(0);
    // Checkpointed at 50 % of `work` (25 % of the job); stopped there.
    const stopping = run.stop();
    waiting.shift()!();
    await stopping;

    const again = await resumeJob(job, 'ep', { clock, store, progressIntervalMs: 10 });
    const after: JobProgress[] = [];
    again.progress$.subscribe((p) => after.push(p));
    await clock.advance(0);
    expect(after[0]).toMatchObject({ phase: 'work', phasePercent: 50, overallPercent: 25, message: 'at 5' });
    while (waiting.length > 0 || again.position.phase === 'work') {
      if (waiting.length > 0) waiting.shift()!();
      await clock.advance(10);
    }
    expect((await again.result).status).toBe('completed');
    expect(
      after.every((p, i) => i === 0 || p.phasePercent >= after[i - 1].phasePercent || p.phase !== 'work'),
    ).toBe(true);
  });
});
