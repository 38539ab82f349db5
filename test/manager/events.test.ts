import { describe, expect, it } from 'vitest';
import type { JobEvent, JobProgress } from '../../src/index.js';
import { createJobManager } from '../../src/manager/createJobManager.js';
import { counted, database, never, untilStopped, Probe, waitFor } from './fixtures.js';

describe('events$ and progress$', () => {
  it('merge every job’s events, each with its job id, in each job’s own order', async () => {
    const store = database().open();
    const manager = createJobManager({
      store,
      jobs: [counted],
      deps: { probe: new Probe() },
      concurrency: 2,
      runOptions: { progressIntervalMs: 0 },
    });
    const events: JobEvent[] = [];
    const progress: JobProgress[] = [];
    manager.events$.subscribe((e) => events.push(e));
    manager.progress$.subscribe((p) => progress.push(p));
    const ids = await Promise.all([1, 2, 3].map((n) => manager.dispatch(counted, { n, delayMs: 2 })));
    await manager.drain();
    expect(new Set(events.map((e) => e.jobId))).toEqual(new Set(ids));
    for (const id of ids) {
      const lifecycle = events
        .filter((e) => e.jobId === id && e.type !== 'checkpointed')
        .map((e) => (e.type.startsWith('phase') ? `${e.type}:${e.phase}` : e.type));
      expect(lifecycle).toEqual([
        'started',
        'phaseStarted:work',
        'phaseCompleted:work',
        'phaseStarted:finish',
        'phaseCompleted:finish',
        'completed',
      ]);
      expect(events.some((e) => e.jobId === id && e.type === 'checkpointed')).toBe(true);
    }
    // The jobs' events interleave: the second job started before the first completed.
    const at = (id: string, type: string) => events.findIndex((e) => e.jobId === id && e.type === type);
    expect(at(ids[1], 'started')).toBeLessThan(at(ids[0], 'completed'));
    expect(new Set(progress.map((p) => p.jobId))).toEqual(new Set(ids));
    for (const id of ids) {
      expect(progress.filter((p) => p.jobId === id).at(-1)).toMatchObject({
        status: 'completed',
        overallPercent: 100,
      });
    }
  });

  it('carry pause and resume', async () => {
    const store = database().open();
    const manager = createJobManager({ store, jobs: [counted], deps: { probe: new Probe() } });
    const events: string[] = [];
    manager.events$.subscribe((e) => {
      if (e.type !== 'checkpointed')
        events.push(e.type.startsWith('phase') ? `${e.type}:${e.phase}` : e.type);
    });
    const id = await manager.dispatch(counted, { n: 2, delayMs: 5 });
    await manager.pause(id);
    await manager.resume(id);
    await manager.result(id);
    expect(events).toEqual([
      'started',
      'phaseStarted:work',
      'paused',
      // The same attempt goes on from its checkpoint: resumed, not started again.
      'resumed',
      'phaseCompleted:work',
      'phaseStarted:finish',
      'phaseCompleted:finish',
      'completed',
    ]);
  });

  it('say that a job restored from the store resumed', async () => {
    const db = database();
    const probe = new Probe();
    const gate = (_id: string, item: number, signal: AbortSignal) =>
      item < 1 ? Promise.resolve() : untilStopped(signal);
    const first = createJobManager({ store: db.open(), jobs: [counted], deps: { probe, gate } });
    const id = await first.dispatch(counted, { n: 2 });
    await waitFor(() => probe.items.length === 1);
    // Stopped mid-phase: the run keeps the lease until its phase's code has returned, i.e. until its result.
    const { run } = (await first.get(id))!;
    await run!.stop();
    await run!.result;

    const second = createJobManager({ store: db.open(), jobs: [counted], deps: { probe: new Probe() } });
    const events: string[] = [];
    second.events$.subscribe((e) => {
      if (e.type !== 'checkpointed') events.push(`${e.jobId}:${e.type}`);
    });
    await second.resumeInterrupted();
    await second.result(id);
    expect(events).toEqual([
      `${id}:resumed`,
      `${id}:phaseCompleted`,
      `${id}:phaseStarted`,
      `${id}:phaseCompleted`,
      `${id}:completed`,
    ]);
  });

  it('list() merges the live progress of running jobs into the stored records', async () => {
    const probe = new Probe();
    const gate = (_id: string, item: number) => (item < 2 ? Promise.resolve() : never());
    const store = database().open();
    const manager = createJobManager({
      store,
      jobs: [counted],
      deps: { probe, gate },
      runOptions: { progressIntervalMs: 0, minCheckpointIntervalMs: 60_000 },
    });
    const id = await manager.dispatch(counted, { n: 4 });
    await waitFor(() => probe.items.length === 2);
    const [record] = await manager.list();
    expect(record).toMatchObject({ id, status: 'running', live: true, phase: 'work' });
    expect(record.progress).toMatchObject({ jobId: id, phase: 'work', status: 'running' });
    expect(record.percent).toBe(record.progress!.overallPercent);
    expect((await manager.list({ name: 'other' })).length).toBe(0);
    expect((await manager.list({ status: ['completed', 'paused'] })).length).toBe(0);
  });
});
