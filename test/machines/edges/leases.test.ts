import { describe, expect, it } from 'vitest';
import { JobLockedError, MemoryStore, resumeJob, runJob, snapshotPosition } from '../../../src/index.js';
import { TestClock } from '../../../src/testing/index.js';
import { batchJob, effects, exactlyOnce } from './batchJob.js';

const owner = (name: string) => ({ workerId: name, pid: process.pid, host: 'test-host' });

describe('one owner per job', () => {
  it('stops a run whose lease lapsed and was taken over: its late batch is refused by the fence, not written', async () => {
    let storeTime = 0;
    const store = new MemoryStore({ now: () => storeTime });
    const fx = effects();
    let takeover: Promise<unknown> | undefined;
    let second: Awaited<ReturnType<typeof resumeJob>> | undefined;
    const job = batchJob();
    fx.gate = (batch) => {
      // Batch 3 of the first run: its lease lapses (it stalled past leaseMs) and another owner takes the job.
      if (batch === 3 && takeover === undefined) {
        storeTime += 10_000;
        takeover = resumeJob(job, 'l1', {
          store,
          deps: fx,
          owner: owner('second'),
          leaseMs: 1000,
          clock: new TestClock(0),
        }).then((run) => {
          second = run;
        });
        return takeover.then(() => undefined);
      }
    };
    const first = runJob(
      job,
      { items: 100, size: 10 },
      {
        store,
        deps: fx,
        jobId: 'l1',
        owner: owner('first'),
        leaseMs: 1000,
        clock: new TestClock(0),
      },
    );
    const result = await first.result;
    expect(result).toMatchObject({ status: 'interrupted', reason: 'lease-lost' });
    await takeover;
    expect((await second!.result).status).toBe('completed');
    // The first run's batch 3 never landed; the second did everything from batch 3 on exactly once.
    expect(exactlyOnce(fx.rows, 100)).toBe(true);
  });

  it('refuses a second runner while a live owner holds the job, naming it', async () => {
    const store = new MemoryStore();
    const lease = await store.acquire(
      'l2',
      { workerId: 'ghost', pid: 2 ** 22 + 12345, host: 'elsewhere' },
      { leaseMs: 60_000 },
    );
    const job = batchJob();
    await store.save('l2', new Uint8Array([0]), {
      name: 'batch',
      version: 1,
      status: 'queued',
      phase: null,
      percent: 0,
      errorsCount: 0,
      updatedAt: 0,
    });
    const error = await resumeJob(job, 'l2', { store, deps: effects() }).catch((e) => e);
    expect(error).toBeInstanceOf(JobLockedError);
    expect(error.message).toContain(`process ${lease.pid} on elsewhere`);
  });

  it('honours pause and cancel asked through the store, at the next renewal', async () => {
    const clock = new TestClock(0);
    const store = new MemoryStore();
    const fx = effects();
    const waiting: (() => void)[] = [];
    fx.gate = () => new Promise<void>((resolve) => waiting.push(resolve));
    const job = batchJob();
    const run = runJob(job, { items: 100, size: 10 }, { store, deps: fx, jobId: 'l3', clock, leaseMs: 300 });
    const step = async () => {
      while (waiting.length === 0) await clock.advance(0);
      waiting.shift()!();
      await clock.advance(0);
    };
    await step();
    await store.requestControl('l3', 'pause');
    await clock.advance(100); // one renewal
    await step();
    await run.pause(); // resolves once paused (already asked through the store)
    expect(snapshotPosition(run.actor.getSnapshot().value).step).toBe('paused');
    expect((await store.load('l3'))!.record.status).toBe('paused');
    // Paused: the lease is given up and the honoured request cleared.
    const probe = await store.acquire('l3', owner('probe'), { leaseMs: 1000 });
    expect((await store.renew(probe, { leaseMs: 1000 })).request).toBeNull();
    await store.release(probe);

    const again = await resumeJob(job, 'l3', { store, deps: fx, clock, leaseMs: 300 });
    await store.requestControl('l3', 'cancel');
    await clock.advance(100);
    await step();
    const result = await again.result;
    expect(result.status).toBe('cancelled');
  });

  it('gives the lease up when resuming a job that already ended: later resumes, by any owner, are not refused', async () => {
    const store = new MemoryStore();
    const fx = effects();
    const job = batchJob();
    await runJob(job, { items: 20, size: 10 }, { store, deps: fx, jobId: 'l4' }).result;
    const first = await resumeJob(job, 'l4', { store, deps: fx, owner: owner('first') });
    expect((await first.result).status).toBe('completed');
    expect(await store.holder('l4')).toBeUndefined();
    const second = await resumeJob(job, 'l4', { store, deps: fx, owner: owner('second') });
    expect((await second.result).status).toBe('completed');
    expect(await store.holder('l4')).toBeUndefined();
  });

  it('gives the lease up when resuming a paused job with resume: false, and takes it back on run.resume()', async () => {
    const store = new MemoryStore();
    const fx = effects();
    const waiting: (() => void)[] = [];
    fx.gate = () => new Promise<void>((resolve) => waiting.push(resolve));
    const job = batchJob();
    const run = runJob(job, { items: 30, size: 10 }, { store, deps: fx, jobId: 'l5' });
    while (waiting.length === 0) await new Promise((r) => setImmediate(r));
    const pausing = run.pause();
    waiting.shift()!();
    await pausing;
    await run.stop();
    expect((await store.load('l5'))!.record.status).toBe('paused');

    const held = await resumeJob(job, 'l5', { store, deps: fx, resume: false, owner: owner('first') });
    expect(held.position.step).toBe('paused');
    // At rest: another owner could take the job now.
    expect(await store.holder('l5')).toBeUndefined();
    fx.gate = undefined;
    await held.resume();
    expect((await held.result).status).toBe('completed');
    expect(exactlyOnce(fx.rows, 30)).toBe(true);
    expect(await store.holder('l5')).toBeUndefined();
  });
});
