import { describe, expect, it } from 'vitest';
import {
  Continue,
  defineJob,
  type JobProgress,
  MemoryStore,
  phase,
  resumeJob,
  runJob,
} from '../../src/index.js';
import { deferred } from './helpers.js';

/**
 * Phases `a` and `b` weigh 1, `c` weighs 2: while `c` is at p %, the job is at 50 + p / 2 %. `c` reports its
 * items and checks for a pause after each; `gate(i)` lets a test hold it at item i.
 */
function weightedJob(gate: (phase: string, i: number) => Promise<void> | undefined) {
  const steps = (name: string, weight: number) =>
    phase<Record<string, number>, unknown>({
      name,
      weight,
      async execute(ctx) {
        for (let i = ctx.state[name] ?? 0; i < 10; i++) {
          ctx.state[name] = i + 1;
          ctx.reportProgress({ completed: i + 1, total: 10 });
          await ctx.checkpoint({ force: true });
          await gate(name, i);
          // A macrotask between items, so each report goes out as its own frame.
          await new Promise((resolve) => setTimeout(resolve, 1));
          if (name === 'c') ctx.checkInterrupt();
        }
        return Continue;
      },
    });
  return defineJob({
    name: 'weighted',
    version: 1,
    initialState: () => ({}) as Record<string, number>,
    phases: [steps('a', 1), steps('b', 1), steps('c', 2)],
  });
}

const running = (frames: JobProgress[]) => frames.filter((f) => f.status === 'running');

describe('overallPercent after a resume counts the phases already done, once', () => {
  it('a job paused inside a phase and resumed by resumeJob goes on from the phases before it', async () => {
    const held = deferred();
    const release = deferred();
    let first = true;
    const job = weightedJob((name, i) => {
      if (!first || name !== 'c' || i !== 3) return undefined;
      held.resolve();
      return release.promise;
    });
    const store = new MemoryStore();
    const run = runJob(job, {}, { store, jobId: 'w1', progressIntervalMs: 0, minCheckpointIntervalMs: 0 });
    await held.promise;
    const paused = run.pause();
    release.resolve();
    await paused;
    await run.stop();
    first = false;
    const resumed = await resumeJob(job, 'w1', { store, progressIntervalMs: 0, minCheckpointIntervalMs: 0 });
    const frames: JobProgress[] = [];
    resumed.progress$.subscribe((p) => frames.push(p));
    expect((await resumed.result).status).toBe('completed');
    const inC = running(frames).filter((f) => f.phase === 'c');
    expect(inC.length).toBeGreaterThan(3);
    // The first frame is where the job stood: item 4 of c, and the two phases before it.
    expect(inC[0]).toMatchObject({ phasePercent: 40, overallPercent: 70 });
    for (const f of inC) expect(f.overallPercent).toBeCloseTo(50 + f.phasePercent / 2, 9);
  });

  it('a pause at the boundary after a phase counts that phase once (not once done and once at 100 %)', async () => {
    const job = weightedJob(() => undefined);
    const store = new MemoryStore();
    const run = runJob(job, {}, { store, jobId: 'w2', progressIntervalMs: 0, minCheckpointIntervalMs: 0 });
    const frames: JobProgress[] = [];
    // Asked during b's last item: b does not check, so the job pauses at the boundary before c.
    run.progress$.subscribe((p) => {
      frames.push(p);
      if (p.phase === 'b' && p.completed === 10 && p.status === 'running') void run.pause();
    });
    await new Promise<void>((resolve) => {
      run.events$.subscribe((e) => e.type === 'paused' && resolve());
    });
    await run.stop();
    const last = frames.at(-1)!;
    expect(last.overallPercent).toBeCloseTo(50, 9);
    const resumed = await resumeJob(job, 'w2', { store, progressIntervalMs: 0, minCheckpointIntervalMs: 0 });
    const again: JobProgress[] = [];
    resumed.progress$.subscribe((p) => again.push(p));
    expect((await resumed.result).status).toBe('completed');
    expect(again[0].overallPercent).toBeCloseTo(50, 9);
    for (const f of running(again).filter((f) => f.phase === 'c'))
      expect(f.overallPercent).toBeCloseTo(50 + f.phasePercent / 2, 9);
  });
});
