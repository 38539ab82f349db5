import { describe, expect, it } from 'vitest';
import { decodeEnvelope, resumeJob } from '../../src/index.js';
import { createJobManager } from '../../src/manager/createJobManager.js';
import { counted, database, never, Probe, waitFor, deadOwner } from './fixtures.js';

describe('the queue in the store', () => {
  it('persists a queued job at once: status queued, no machine, its input and initial state', async () => {
    const probe = new Probe();
    const store = database().open();
    const manager = createJobManager({
      store,
      jobs: [counted],
      deps: { probe, gate: never },
      concurrency: 1,
    });
    const first = await manager.dispatch(counted, { n: 3 });
    const second = await manager.dispatch(counted, { n: 5 }, { jobId: 'second' });
    expect(second).toBe('second');
    await waitFor(() => probe.starts.length === 1);

    const stored = await store.load(second);
    expect(stored?.record).toMatchObject({ name: 'counted', version: 1, status: 'queued', input: { n: 5 } });
    const envelope = decodeEnvelope(stored!.bytes, { name: 'counted', version: 1, jobId: second });
    expect(envelope).toMatchObject({
      machine: null,
      input: { n: 5 },
      state: { cursor: 0, done: [] },
      history: [],
      errors: [],
      job: { name: 'counted', version: 1, phases: ['work', 'finish'] },
    });
    expect((await store.load(first))?.record.status).toBe('running');

    const listed = await manager.list();
    expect(listed.find((r) => r.id === second)).toMatchObject({
      status: 'queued',
      live: true,
      progress: null,
    });
    expect(listed.find((r) => r.id === first)).toMatchObject({ status: 'running', live: true });
    expect((await manager.list({ status: 'queued' })).map((r) => r.id)).toEqual([second]);
    expect((await manager.get(second))?.run).toBe(null);
    expect((await manager.get(first))?.run?.id).toBe(first);
  });

  it('a plain resumeJob starts a job the manager queued', async () => {
    const store = database().open();
    const manager = createJobManager({ store, jobs: [counted], deps: { probe: new Probe(), gate: never } });
    await manager.dispatch(counted, { n: 1 });
    const queued = await manager.dispatch(counted, { n: 2 });
    // Another process, without a manager:
    const probe = new Probe();
    const run = await resumeJob(counted, queued, { store, deps: { probe } });
    expect((await run.result).status).toBe('completed');
    expect(probe.items).toEqual([`${queued}:0`, `${queued}:1`]);
  });

  it('queued jobs are started by a second manager on the same database after the first is dropped', async () => {
    const db = database();
    const first = createJobManager({
      runOptions: { owner: deadOwner() },
      store: db.open(),
      jobs: [counted],
      deps: { probe: new Probe(), gate: never },
      concurrency: 2,
    });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await first.dispatch(counted, { n: 2 }, { jobId: `q${i}` }));
    const store = db.open();
    await waitFor(async () => (await store.list({ status: 'running' })).length === 2);
    // The first manager is dropped here (a restart), with q0 and q1 held mid-phase for good.

    const probe = new Probe();
    const second = createJobManager({ store, jobs: [counted], deps: { probe }, concurrency: 2 });
    const outcomes = await second.resumeInterrupted();
    expect(outcomes).toEqual([
      { id: 'q0', name: 'counted', was: 'running', error: null },
      { id: 'q1', name: 'counted', was: 'running', error: null },
      { id: 'q2', name: 'counted', was: 'queued', error: null },
      { id: 'q3', name: 'counted', was: 'queued', error: null },
      { id: 'q4', name: 'counted', was: 'queued', error: null },
    ]);
    await second.drain();
    expect(probe.max).toBe(2);
    expect(probe.starts).toEqual(ids);
    for (const id of ids) expect((await second.result(id)).status).toBe('completed');
    // Each item once: q0 and q1 checkpointed nothing past their boundary, so they run from item 0.
    expect(probe.items.sort()).toEqual(ids.flatMap((id) => [`${id}:0`, `${id}:1`]).sort());
    expect((await store.list()).every((r) => r.status === 'completed')).toBe(true);
  });
});
