import { describe, expect, it } from 'vitest';
import { Continue, defineJob, type JobProgress, phase, runJob } from '../../../src/index.js';
import { TestClock } from '../../../src/testing/index.js';

/** A test clock that counts the progress timers (those of the progress interval) it was asked for. */
class CountingClock extends TestClock {
  progressTimers = 0;
  override setTimeout(fn: () => void, ms: number): unknown {
    if (ms === 100) this.progressTimers++;
    return super.setTimeout(fn, ms);
  }
}

const job = defineJob({
  name: 'many',
  version: 1,
  initialState: () => ({}),
  phases: Array.from({ length: 50 }, (_, i) => phase({ name: `p${i}`, execute: async () => Continue })),
});

describe('progress timers', () => {
  it('a job of 50 quick phases asks for one throttled report, not one timer per phase', async () => {
    const clock = new CountingClock(0);
    const run = runJob(job, {}, { clock, progressIntervalMs: 100, boundaryCheckpoints: false });
    const seen: JobProgress[] = [];
    run.progress$.subscribe((p) => seen.push(p));
    expect((await run.result).status).toBe('completed');
    expect(clock.progressTimers).toBeLessThanOrEqual(1);
    // Every phase start still reported at once, and the end.
    expect(new Set(seen.map((p) => p.phase)).size).toBe(50);
    expect(seen.at(-1)).toMatchObject({ status: 'completed', overallPercent: 100 });
  });

  it('a scheduled report goes out only if something changed after the last one', async () => {
    const clock = new CountingClock(0);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const two = defineJob({
      name: 'two',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({ name: 'a', execute: async () => Continue }),
        phase({
          name: 'b',
          async execute() {
            await gate;
            return Continue;
          },
        }),
      ],
    });
    const run = runJob(two, {}, { clock, progressIntervalMs: 100, boundaryCheckpoints: false });
    const seen: JobProgress[] = [];
    run.progress$.subscribe((p) => seen.push(p));
    for (let i = 0; i < 20; i++) await Promise.resolve();
    const before = seen.length;
    // a's end scheduled a report; b's start was reported at once, and nothing changed since.
    await clock.advance(100);
    expect(seen.length).toBe(before);
    release();
    await run.result;
  });
});
