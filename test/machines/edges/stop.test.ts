import { describe, expect, it } from 'vitest';
import {
  Continue,
  defineJob,
  JobStoppedError,
  MemoryStore,
  phase,
  resumeJob,
  runJob,
} from '../../../src/index.js';
import { flush } from '../helpers.js';
import { batchJob, effects, exactlyOnce } from './batchJob.js';

describe('run.stop()', () => {
  it.each([
    ['checks for interrupts', true],
    ['never checks for interrupts', false],
  ])(
    'aborts a phase that %s, writes nothing after it returns, settles result; a resume continues exactly once',
    async (_, checks) => {
      const job = batchJob({ checks });
      const store = new MemoryStore();
      const fx = effects();
      let stopAt: Promise<void> | undefined;
      const stopped: unknown[] = [];
      fx.afterCheckpoint = (batch) => {
        if (batch === 3) stopAt = run.stop();
      };
      const run = runJob(job, { items: 100, size: 10 }, { store, deps: fx, jobId: 'j1' });
      const result = await run.result;
      await stopAt;
      expect(result.status).toBe('interrupted');
      expect(result.reason).toBe('stopped');
      expect(fx.signals[0].aborted).toBe(true);
      expect(fx.signals[0].reason).toBeInstanceOf(JobStoppedError);
      const rowsAtStop = fx.rows.length;
      const bytesAtStop = (await store.load('j1'))!.bytes;
      // The phase went on after stop() (it was between its checkpoint and checkInterrupt): nothing more landed.
      await flush(20);
      expect(fx.rows.length).toBe(rowsAtStop);
      expect((await store.load('j1'))!.bytes).toEqual(bytesAtStop);
      expect(stopped).toEqual([]);
      // The stopped run's phase unwound: its next checkpoint (or checkInterrupt) threw JobStoppedError.
      expect(fx.rows.length).toBeLessThan(100);

      fx.afterCheckpoint = undefined;
      const again = await resumeJob(job, 'j1', { store, deps: fx });
      const done = await again.result;
      expect(done.status).toBe('completed');
      expect(exactlyOnce(fx.rows, 100)).toBe(true);
    },
  );

  it('stopped from a listener of a checkpoint, the phase does nothing after that checkpoint returns', async () => {
    // Work done after each checkpoint, that no checkpoint holds (a rename, a delete): the next run's to do.
    const done: number[] = [];
    const job = defineJob({
      name: 'after-checkpoint',
      version: 1,
      initialState: () => ({ next: 0 }),
      output: () => null,
      phases: [
        phase<{ next: number }>({
          name: 'work',
          async execute(ctx) {
            while (ctx.state.next < 3) {
              await ctx.checkpoint({ force: true });
              done.push(ctx.state.next++);
            }
            return Continue;
          },
        }),
      ],
    });
    const run = runJob(job, {});
    let checkpoints = 0;
    run.events$.subscribe((e) => {
      // The first is the phase's boundary checkpoint; the second, the phase's own.
      if (e.type === 'checkpointed' && ++checkpoints === 2) void run.stop();
    });
    expect((await run.result).status).toBe('interrupted');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toEqual([]);
  });

  it('refuses a second run of a job whose first run still holds it, in the same process', async () => {
    const job = batchJob();
    const store = new MemoryStore();
    const fx = effects();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    fx.gate = (batch) => (batch === 2 ? gate : undefined);
    const first = runJob(job, { items: 50, size: 10 }, { store, deps: fx, jobId: 'j2' });
    await new Promise<void>((resolve) => {
      const sub = first.events$.subscribe((e) => {
        if (e.type === 'checkpointed') {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    await expect(resumeJob(job, 'j2', { store, deps: effects() })).rejects.toThrow(
      /already running in process/,
    );
    release();
    expect((await first.result).status).toBe('completed');
    expect(exactlyOnce(fx.rows, 50)).toBe(true);
  });
});
