import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/index.js';
import { createJobManager } from '../../src/manager/createJobManager.js';
import { UnknownJobError } from '../../src/manager/UnknownJobError.js';
import { deferred } from '../machines/helpers.js';
import {
  type CountedState,
  counted,
  database,
  never,
  untilStopped,
  other,
  Probe,
  waitFor,
  deadOwner,
} from './fixtures.js';

describe('resumeInterrupted', () => {
  it('continues a job that was running when its process died, from its last checkpoint', async () => {
    const db = database();
    const store = db.open();
    const probe = new Probe();
    // Items 0..2 pass; item 3 holds the phase until the run stops, as a process that dies there would.
    const gate = (_id: string, item: number, signal: AbortSignal) =>
      item < 3 ? Promise.resolve() : untilStopped(signal);
    const first = createJobManager({
      runOptions: { owner: deadOwner() },
      store,
      jobs: [counted],
      deps: { probe, gate },
    });
    const id = await first.dispatch(counted, { n: 6 });
    await waitFor(() => probe.items.length === 3);
    const { run } = (await first.get(id))!;
    await run!.checkpoint();
    run!.stop(); // no pause: the store still says running
    expect((await store.load(id))?.record).toMatchObject({ status: 'running', phase: 'work' });
    await first.drain();

    const probe2 = new Probe();
    const second = createJobManager({ store: db.open(), jobs: [counted], deps: { probe: probe2 } });
    expect(await second.resumeInterrupted()).toEqual([{ id, name: 'counted', was: 'running', error: null }]);
    const result = await second.result<CountedState>(id);
    expect(result.status).toBe('completed');
    expect(result.output?.done).toEqual([0, 1, 2, 3, 4, 5]);
    expect(probe2.items).toEqual([3, 4, 5].map((i) => `${id}:${i}`));
    expect((await store.load(id))?.record.status).toBe('completed');
    // Nothing is left to resume.
    expect(await second.resumeInterrupted()).toEqual([]);
  });

  it('starts the running ones first, then the queued ones oldest first, within the concurrency limit', async () => {
    const db = database();
    const first = createJobManager({
      runOptions: { owner: deadOwner() },
      store: db.open(),
      jobs: [counted],
      deps: { probe: new Probe(), gate: never },
      concurrency: 2,
    });
    for (const id of ['j1', 'j2', 'j3', 'j4', 'j5'])
      await first.dispatch(counted, { n: 1, delayMs: 5 }, { jobId: id });
    const store = db.open();
    await waitFor(async () => (await store.list({ status: 'running' })).length === 2);
    // A job paused by the user is not resumed at start-up.
    await first.pause('j5');

    const probe = new Probe();
    const hold = deferred();
    const gate = (id: string) => (id === 'early' ? hold.promise : Promise.resolve());
    const second = createJobManager({ store, jobs: [counted], deps: { probe, gate }, concurrency: 1 });
    // Dispatched before resumeInterrupted: 'early' takes the slot, 'queued' waits behind the interrupted jobs.
    await second.dispatch(counted, { n: 1 }, { jobId: 'early' });
    await second.dispatch(counted, { n: 1 }, { jobId: 'queued' });
    const outcomes = await second.resumeInterrupted();
    expect(outcomes.map((o) => `${o.id}:${o.was}`)).toEqual([
      'j1:running',
      'j2:running',
      'j3:queued',
      'j4:queued',
    ]);
    hold.resolve();
    await second.drain();
    expect(probe.starts).toEqual(['early', 'j1', 'j2', 'j3', 'j4', 'queued']);
    expect(probe.max).toBe(1);
    expect((await store.load('j5'))?.record.status).toBe('paused');
  });

  it('reports a stored job of an unregistered definition as an error, and resumes the others', async () => {
    const db = database();
    const first = createJobManager({
      runOptions: { owner: deadOwner() },
      store: db.open(),
      jobs: [counted, other],
      deps: { probe: new Probe(), gate: never },
    });
    await first.dispatch(counted, { n: 1 }, { jobId: 'held' });
    await first.dispatch(other, {}, { jobId: 'ghost' });
    await first.dispatch(counted, { n: 1 }, { jobId: 'fine' });

    const logged: string[] = [];
    const logger: Logger = { log: (level, message) => logged.push(`${level}: ${message}`) };
    const store = db.open();
    const second = createJobManager({ store, jobs: [counted], deps: { probe: new Probe() }, logger });
    const outcomes = await second.resumeInterrupted();
    expect(outcomes.map((o) => [o.id, o.error?.name ?? null])).toEqual([
      ['held', null],
      ['ghost', 'UnknownJobError'],
      ['fine', null],
    ]);
    const error = outcomes[1].error as UnknownJobError;
    expect(error).toBeInstanceOf(UnknownJobError);
    expect(error).toMatchObject({ jobName: 'other', registered: ['counted'], jobId: 'ghost' });
    expect(error.message).toContain('"other"');
    expect(error.message).toContain('registered: "counted"');
    expect(error.message).toContain('manager.register(definition)');
    expect(logged.some((line) => line.startsWith('error:') && line.includes('ghost'))).toBe(true);
    await second.drain();
    expect((await second.result('held')).status).toBe('completed');
    expect((await second.result('fine')).status).toBe('completed');
    // The job is left in the store, queued, for a process that knows its definition.
    expect((await store.load('ghost'))?.record.status).toBe('queued');
    const third = createJobManager({
      store: db.open(),
      jobs: [counted, other],
      deps: { probe: new Probe() },
    });
    expect((await third.resumeInterrupted()).map((o) => o.id)).toEqual(['ghost']);
    expect((await third.result('ghost')).status).toBe('completed');
  });

  it('reports an unreadable checkpoint as an error and goes on', async () => {
    const db = database();
    const store = db.open();
    const first = createJobManager({
      runOptions: { owner: deadOwner() },
      store,
      jobs: [counted],
      deps: { probe: new Probe(), gate: never },
    });
    await first.dispatch(counted, { n: 1 }, { jobId: 'held' });
    await first.dispatch(counted, { n: 1 }, { jobId: 'broken' });
    store.db.prepare("UPDATE phasekit_jobs SET checkpoint = x'00010203' WHERE id = 'broken'").run();
    const second = createJobManager({ store: db.open(), jobs: [counted], deps: { probe: new Probe() } });
    const outcomes = await second.resumeInterrupted();
    expect(outcomes.map((o) => [o.id, o.error?.name ?? null])).toEqual([
      ['held', null],
      ['broken', 'SnapshotCorruptError'],
    ]);
    expect((await second.result('held')).status).toBe('completed');
  });
});
