import { describe, expect, it } from 'vitest';
import { Continue, defineJob, JobNotFoundError, PausedError, phase } from '../../src/index.js';
import { CANCELLED_BEFORE_START } from '../../src/manager/cancelledBeforeStart.js';
import { createJobManager } from '../../src/manager/createJobManager.js';
import { deferred } from '../machines/helpers.js';
import { type CountedState, counted, database, Probe, waitFor } from './fixtures.js';

/** A gate per job and item, opened from the test; items of jobs not listed in `held` pass. */
function gates(held: string[]) {
  const open = new Map<string, ReturnType<typeof deferred<void>>>();
  const key = (id: string, item: number) => `${id}:${item}`;
  const get = (id: string, item: number) => {
    if (!open.has(key(id, item))) open.set(key(id, item), deferred());
    return open.get(key(id, item))!;
  };
  return {
    gate: (id: string, item: number) => (held.includes(id) ? get(id, item).promise : Promise.resolve()),
    release: (id: string, item: number) => get(id, item).resolve(),
    waiting: (id: string, item: number) => open.has(key(id, item)),
  };
}

describe('pause, resume and cancel by id', () => {
  it('pause frees the slot for the next queued job; resume queues the job again and it goes on', async () => {
    const probe = new Probe();
    const g = gates(['a']);
    const store = database().open();
    const manager = createJobManager({
      store,
      jobs: [counted],
      deps: { probe, gate: g.gate },
      concurrency: 1,
    });
    await manager.dispatch(counted, { n: 4 }, { jobId: 'a' });
    await manager.dispatch(counted, { n: 2 }, { jobId: 'b' });
    g.release('a', 0);
    g.release('a', 1);
    await waitFor(() => g.waiting('a', 2));
    const paused = manager.pause('a');
    g.release('a', 2);
    await paused;
    expect((await store.load('a'))?.record.status).toBe('paused');
    expect((await manager.get('a'))?.record).toMatchObject({ status: 'paused', live: true });
    // The slot went to b, which runs to the end on its own.
    expect((await manager.result('b')).status).toBe('completed');

    g.release('a', 3);
    await manager.resume('a');
    const result = await manager.result<CountedState>('a');
    expect(result.status).toBe('completed');
    expect(result.output?.done).toEqual([0, 1, 2, 3]);
    expect(probe.items.filter((i) => i.startsWith('a:'))).toEqual(['a:0', 'a:1', 'a:2', 'a:3']);
    expect(probe.starts).toEqual(['a', 'b', 'a']);
    expect(probe.max).toBe(1);
  });

  it('resume of a paused job waits its turn behind the queue, marked queued in the store', async () => {
    const probe = new Probe();
    const g = gates(['a', 'b']);
    const store = database().open();
    const manager = createJobManager({
      store,
      jobs: [counted],
      deps: { probe, gate: g.gate },
      concurrency: 1,
    });
    await manager.dispatch(counted, { n: 2 }, { jobId: 'a' });
    await manager.dispatch(counted, { n: 1 }, { jobId: 'b' });
    await waitFor(() => g.waiting('a', 0));
    const paused = manager.pause('a');
    g.release('a', 0);
    await paused;
    await waitFor(() => g.waiting('b', 0));
    await manager.resume('a');
    expect((await store.load('a'))?.record.status).toBe('queued');
    expect((await manager.get('a'))?.record.status).toBe('queued');
    expect(probe.running).toBe(1);
    g.release('b', 0);
    g.release('a', 1);
    expect((await manager.result('a')).status).toBe('completed');
    expect(probe.max).toBe(1);
  });

  it('pause of a queued job takes it out of the queue (paused in the store); resume puts it back', async () => {
    const probe = new Probe();
    const g = gates(['a']);
    const store = database().open();
    const manager = createJobManager({
      store,
      jobs: [counted],
      deps: { probe, gate: g.gate },
      concurrency: 1,
    });
    await manager.dispatch(counted, { n: 1 }, { jobId: 'a' });
    await manager.dispatch(counted, { n: 1 }, { jobId: 'b' });
    await manager.pause('b');
    expect((await store.load('b'))?.record.status).toBe('paused');
    g.release('a', 0);
    await manager.drain();
    expect(probe.starts).toEqual(['a']);
    await manager.resume('b');
    expect((await manager.result('b')).status).toBe('completed');
    expect(probe.starts).toEqual(['a', 'b']);
  });

  it('cancel of a queued job: no phase runs, the store says cancelled, and it never starts', async () => {
    const probe = new Probe();
    const g = gates(['a']);
    const store = database().open();
    const events: string[] = [];
    const manager = createJobManager({
      store,
      jobs: [counted],
      deps: { probe, gate: g.gate },
      concurrency: 1,
    });
    manager.events$.subscribe((e) => events.push(`${e.jobId}:${e.type}`));
    await manager.dispatch(counted, { n: 1 }, { jobId: 'a' });
    await manager.dispatch(counted, { n: 1 }, { jobId: 'b' });
    const result = await manager.cancel('b');
    expect(result).toMatchObject({ status: 'cancelled', output: undefined, failure: { kind: 'cancelled' } });
    expect(result.history.map((h) => h.status)).toEqual(['pending', 'pending']);
    expect((await store.load('b'))?.record).toMatchObject({
      status: 'cancelled',
      error: CANCELLED_BEFORE_START,
    });
    expect(events).toContain('b:cancelled');
    g.release('a', 0);
    await manager.drain();
    expect(probe.starts).toEqual(['a']);
    expect(probe.cleanups).toEqual([]);
    // Later, from the store:
    expect((await manager.result('b')).status).toBe('cancelled');
    expect((await manager.cancel('b')).status).toBe('cancelled');
  });

  it('cancel of a running job aborts its signal, runs onFailure, ends cancelled and frees its slot', async () => {
    const probe = new Probe();
    const store = database().open();
    const untilAborted = (id: string, _item: number, signal: AbortSignal) =>
      id === 'a'
        ? new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
        : Promise.resolve();
    const manager = createJobManager({ store, jobs: [counted], deps: { probe, gate: untilAborted } });
    await manager.dispatch(counted, { n: 1 }, { jobId: 'a' });
    await manager.dispatch(counted, { n: 1 }, { jobId: 'b' });
    await waitFor(() => probe.starts.length === 1);
    const result = await manager.cancel('a');
    expect(result.status).toBe('cancelled');
    expect(result.history.map((h) => h.status)).toEqual(['failed', 'pending']);
    expect(probe.cleanups).toEqual(['a:cancelled']);
    expect(probe.items).not.toContain('a:0');
    expect((await store.load('a'))?.record.status).toBe('cancelled');
    expect((await manager.result('b')).status).toBe('completed');
    expect(probe.starts).toEqual(['a', 'b']);
  });

  it('cancel of a paused job, live or only in the store, runs its cleanup and ends cancelled', async () => {
    const db = database();
    const store = db.open();
    const probe = new Probe();
    const g = gates(['live', 'stored']);
    const manager = createJobManager({
      store,
      jobs: [counted],
      deps: { probe, gate: g.gate },
      concurrency: 2,
    });
    await manager.dispatch(counted, { n: 3 }, { jobId: 'live' });
    await manager.dispatch(counted, { n: 3 }, { jobId: 'stored' });
    await waitFor(() => g.waiting('live', 0) && g.waiting('stored', 0));
    const pausing = [manager.pause('live'), manager.pause('stored')];
    g.release('live', 0);
    g.release('stored', 0);
    await Promise.all(pausing);

    const live = await manager.cancel('live');
    expect(live.status).toBe('cancelled');
    expect(live.output).toBeUndefined();
    expect(probe.cleanups).toEqual(['live:cancelled']);
    expect((await store.load('live'))?.record.status).toBe('cancelled');

    // The process ends with 'stored' paused; a new one cancels it from the store.
    await manager.shutdown();
    const probe2 = new Probe();
    const next = createJobManager({ store: db.open(), jobs: [counted], deps: { probe: probe2 } });
    const stored = await next.cancel('stored');
    expect(stored.status).toBe('cancelled');
    expect(probe2.cleanups).toEqual(['stored:cancelled']);
    expect(probe2.starts).toEqual([]);
    expect((await store.load('stored'))?.record.status).toBe('cancelled');
    expect(stored.history.map((h) => h.status)).toEqual(['failed', 'pending']);
  });

  it('resume of a job paused by another process restores it and goes on from its checkpoint', async () => {
    const db = database();
    const probe = new Probe();
    const g = gates(['a']);
    const manager = createJobManager({ store: db.open(), jobs: [counted], deps: { probe, gate: g.gate } });
    await manager.dispatch(counted, { n: 4 }, { jobId: 'a' });
    g.release('a', 0);
    await waitFor(() => g.waiting('a', 1));
    const paused = manager.pause('a');
    g.release('a', 1);
    await paused;
    await manager.shutdown();

    const probe2 = new Probe();
    const store = db.open();
    const next = createJobManager({ store, jobs: [counted], deps: { probe: probe2 } });
    await next.resume('a');
    const result = await next.result<CountedState>('a');
    expect(result.status).toBe('completed');
    expect(result.output?.done).toEqual([0, 1, 2, 3]);
    // Paused at its check after item 0: the new process does the rest, each item once.
    expect(probe.items).toEqual(['a:0']);
    expect(probe2.items).toEqual(['a:1', 'a:2', 'a:3']);
  });

  it('a job that pauses itself frees its slot; resume(id) queues it again', async () => {
    const selfPausing = defineJob<{ waited: boolean }>({
      name: 'selfpausing',
      version: 1,
      initialState: () => ({ waited: false }),
      phases: [
        phase<{ waited: boolean }>({
          name: 'wait',
          async execute(ctx) {
            if (!ctx.state.waited) {
              ctx.state.waited = true;
              throw new PausedError('waiting for the disk');
            }
            return Continue;
          },
        }),
      ],
    });
    const store = database().open();
    const probe = new Probe();
    const manager = createJobManager({ store, jobs: [counted, selfPausing], deps: { probe } });
    await manager.dispatch(selfPausing, {}, { jobId: 'p' });
    await manager.dispatch(counted, { n: 1 }, { jobId: 'c' });
    await manager.drain();
    expect((await manager.result('c')).status).toBe('completed');
    expect((await manager.get('p'))?.record).toMatchObject({ status: 'paused', live: true });
    await manager.resume('p');
    expect((await manager.result('p')).status).toBe('completed');
  });

  it('unknown ids are a JobNotFoundError; finished jobs are left as they are', async () => {
    const store = database().open();
    const manager = createJobManager({ store, jobs: [counted], deps: { probe: new Probe() } });
    const acts: ((id: string) => Promise<unknown>)[] = [
      (id) => manager.pause(id),
      (id) => manager.resume(id),
      (id) => manager.cancel(id),
      (id) => manager.result(id),
    ];
    for (const act of acts) await expect(act('nope')).rejects.toBeInstanceOf(JobNotFoundError);
    expect(await manager.get('nope')).toBeUndefined();
    const id = await manager.dispatch(counted, { n: 1 });
    await manager.drain();
    await manager.pause(id);
    await manager.resume(id);
    expect((await manager.cancel(id)).status).toBe('completed');
    expect((await store.load(id))?.record.status).toBe('completed');
  });
});
