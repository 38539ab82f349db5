import { describe, expect, it } from 'vitest';
import { createJobManager } from '../../src/manager/createJobManager.js';
import { JobManagerClosedError } from '../../src/manager/JobManagerClosedError.js';
import { type CountedState, counted, database, Probe, waitFor } from './fixtures.js';

describe('shutdown', () => {
  it('{ pause: true } pauses and checkpoints every running job, leaves queued ones queued, starts nothing', async () => {
    const db = database();
    const store = db.open();
    const probe = new Probe();
    const manager = createJobManager({ store, jobs: [counted], deps: { probe }, concurrency: 2 });
    let completed = false;
    manager.events$.subscribe({ complete: () => (completed = true) });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++)
      ids.push(await manager.dispatch(counted, { n: 50, delayMs: 2 }, { jobId: `s${i}` }));
    await waitFor(() => probe.items.length >= 4);
    const waiting = manager.result('s3');
    await manager.shutdown({ pause: true });
    const statuses = Object.fromEntries((await store.list()).map((r) => [r.id, r.status]));
    expect(statuses).toEqual({ s0: 'paused', s1: 'paused', s2: 'queued', s3: 'queued' });
    expect(probe.running).toBe(0);
    expect(probe.starts).toEqual(['s0', 's1']);
    expect(completed).toBe(true);
    await expect(waiting).rejects.toBeInstanceOf(JobManagerClosedError);
    await manager.drain();
    await manager.shutdown(); // idempotent

    // The next process: queued ones start at once; paused ones wait for resume().
    const probe2 = new Probe();
    const next = createJobManager({
      store: db.open(),
      jobs: [counted],
      deps: { probe: probe2 },
      concurrency: 2,
    });
    expect((await next.resumeInterrupted()).map((o) => o.id)).toEqual(['s2', 's3']);
    await next.resume('s0');
    await next.resume('s1');
    for (const id of ids) {
      const result = await next.result<CountedState>(id);
      expect(result.output?.done).toEqual(Array.from({ length: 50 }, (_, i) => i));
    }
    expect(probe2.max).toBe(2);
    // No item done twice across both processes.
    const all = [...probe.items, ...probe2.items];
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(200);
  });

  it('{ requeue: true } leaves the paused jobs for the next resumeInterrupted()', async () => {
    const db = database();
    const probe = new Probe();
    const manager = createJobManager({ store: db.open(), jobs: [counted], deps: { probe } });
    await manager.dispatch(counted, { n: 20, delayMs: 2 }, { jobId: 'r' });
    await waitFor(() => probe.items.length >= 2);
    await manager.shutdown({ pause: true, requeue: true });
    const store = db.open();
    expect((await store.load('r'))?.record.status).toBe('queued');
    const next = createJobManager({ store, jobs: [counted], deps: { probe: new Probe() } });
    expect(await next.resumeInterrupted()).toEqual([
      { id: 'r', name: 'counted', was: 'queued', error: null },
    ]);
    expect((await next.result('r')).status).toBe('completed');
  });

  it('{ pause: false } lets running jobs finish and starts no queued one', async () => {
    const store = database().open();
    const probe = new Probe();
    const manager = createJobManager({ store, jobs: [counted], deps: { probe } });
    await manager.dispatch(counted, { n: 3, delayMs: 2 }, { jobId: 'a' });
    await manager.dispatch(counted, { n: 3, delayMs: 2 }, { jobId: 'b' });
    await waitFor(() => probe.items.length >= 1);
    await manager.shutdown({ pause: false });
    expect((await store.load('a'))?.record.status).toBe('completed');
    expect((await store.load('b'))?.record.status).toBe('queued');
    expect(probe.starts).toEqual(['a']);
  });
});
