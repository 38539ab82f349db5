import { describe, expect, it } from 'vitest';
import { MemoryStore, resumeJob, runJob, snapshotPosition } from '../../../src/index.js';
import { batchJob, effects, exactlyOnce } from './batchJob.js';

describe('a crash while pausing', () => {
  it('does not strand the job: the resumed run withdraws the pause asked before the crash and completes', async () => {
    const job = batchJob();
    const store = new MemoryStore();
    const fx = effects();
    let crashed: Promise<void> | undefined;
    // Batch 2 waits; the test asks for a pause then, so the checkpoint of batch 2 is written with the pause
    // pending, and the run "crashes" right after that checkpoint landed, before the pause could be honoured.
    fx.gate = (batch) => {
      if (batch === 2) run.actor.send({ type: 'PAUSE' });
    };
    fx.afterCheckpoint = (batch) => {
      if (batch === 2) crashed = run.stop();
    };
    const run = runJob(job, { items: 60, size: 10 }, { store, deps: fx, jobId: 'p1' });
    expect((await run.result).status).toBe('interrupted');
    await crashed;
    const stored = await store.load('p1');
    expect(stored!.record.status).toBe('running');

    fx.gate = undefined;
    fx.afterCheckpoint = undefined;
    const again = await resumeJob(job, 'p1', { store, deps: fx });
    // Settles one way or the other: a stranded job would sit in `paused` instead of completing.
    await new Promise<void>((resolve) => {
      const sub = again.actor.subscribe((s) => {
        if (s.status === 'done' || snapshotPosition(s.value).step === 'paused') {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    expect(again.position.step).not.toBe('paused');
    expect((await again.result).status).toBe('completed');
    expect(exactlyOnce(fx.rows, 60)).toBe(true);
  });
});
