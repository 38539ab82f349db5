import os from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  Continue,
  defineJob,
  JobLockedError,
  JobManagerClosedError,
  JobVersionError,
  phase,
} from '../../src/index.js';
import { createJobManager } from '../../src/manager/createJobManager.js';
import type { JobStatus, SnapshotStore } from '../../src/persistence/types.js';
import { counted, database, never, Probe, waitFor } from './fixtures.js';

/** Another live owner in this process (the test's pid is alive), as a second `phasekit` process would be. */
const otherLiveOwner = { workerId: 'other-process', pid: process.pid, host: os.hostname() };

describe('started(id): the run of a job once it starts in this manager', () => {
  it('gives the run of a dispatched job, whose result is the manager’s', async () => {
    const manager = createJobManager({
      store: database().open(),
      jobs: [counted],
      deps: { probe: new Probe() },
    });
    const id = await manager.dispatch(counted, { n: 3 });
    const run = await manager.started(id);
    expect(run.id).toBe(id);
    const result = await run.result;
    expect(result.status).toBe('completed');
    expect(await manager.result(id)).toMatchObject({ status: 'completed' });
    await manager.shutdown();
  });

  it('asked before resume(id), gives the run restored from the checkpoint, which goes on to the end', async () => {
    const db = database();
    const probe = new Probe();
    let open: () => void = () => {};
    const held = new Promise<void>((resolve) => (open = resolve));
    const gate = (_id: string, item: number) => (item === 2 ? held : Promise.resolve());
    const first = createJobManager({ store: db.open(), jobs: [counted], deps: { probe, gate } });
    const id = await first.dispatch(counted, { n: 4 });
    await waitFor(() => probe.items.length === 2);
    const paused = first.pause(id);
    open();
    await paused;
    await first.shutdown();

    const second = createJobManager({ store: db.open(), jobs: [counted], deps: { probe } });
    const started = second.started(id);
    await second.resume(id);
    const run = await started;
    expect((await run.result).status).toBe('completed');
    expect(probe.items.filter((i) => i.startsWith(id)).length).toBe(4);
    await second.shutdown();
  });

  it('rejects with the reason when the job cannot start: another live process holds it', async () => {
    const db = database();
    const probe = new Probe();
    const holder = createJobManager({
      store: db.open(),
      jobs: [counted],
      deps: { probe, gate: () => never() },
      runOptions: { owner: otherLiveOwner },
    });
    const id = await holder.dispatch(counted, { n: 2 });
    await waitFor(() => probe.starts.length === 1);

    const here = createJobManager({ store: db.open(), jobs: [counted], deps: { probe } });
    const started = here.started(id);
    await here.resume(id);
    await expect(started).rejects.toBeInstanceOf(JobLockedError);
    await here.shutdown();
  });

  it('rejects with JobManagerClosedError at shutdown when the job never started', async () => {
    const manager = createJobManager({
      store: database().open(),
      jobs: [counted],
      deps: { probe: new Probe() },
    });
    const started = manager.started('never-dispatched');
    await manager.shutdown();
    await expect(started).rejects.toBeInstanceOf(JobManagerClosedError);
    await expect(manager.started('after')).rejects.toBeInstanceOf(JobManagerClosedError);
  });
});

describe('resume(id) in a shared store', () => {
  /** The store, recording every status written, and with `claim` (as a shared store has) when `shared`. */
  function recording(store: SnapshotStore, shared: boolean) {
    const statuses: string[] = [];
    const proxy = new Proxy(store, {
      get(target, key) {
        if (key === 'claim') return shared ? async () => undefined : undefined;
        if (key === 'setStatus')
          return async (id: string, status: JobStatus) => {
            statuses.push(status);
            return target.setStatus!(id, status);
          };
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    return { store: proxy, statuses };
  }

  /** A job paused at its third item, in `db`. */
  async function pausedJob(db: ReturnType<typeof database>, probe: Probe): Promise<string> {
    let open: () => void = () => {};
    const held = new Promise<void>((resolve) => (open = resolve));
    const gate = (_id: string, item: number) => (item === 2 ? held : Promise.resolve());
    const first = createJobManager({ store: db.open(), jobs: [counted], deps: { probe, gate } });
    const id = await first.dispatch(counted, { n: 4 });
    await waitFor(() => probe.items.length === 2);
    const paused = first.pause(id);
    open();
    await paused;
    await first.shutdown();
    return id;
  }

  it('does not mark a paused job queued (which hands it to any worker): this manager resumes it', async () => {
    for (const shared of [false, true]) {
      const db = database();
      const probe = new Probe();
      const id = await pausedJob(db, probe);
      const { store, statuses } = recording(db.open(), shared);
      const manager = createJobManager({ store, jobs: [counted], deps: { probe } });
      const started = manager.started(id);
      await manager.resume(id);
      expect((await (await started).result).status).toBe('completed');
      // Unshared: marked queued first, so a crash before its next checkpoint leaves it to resumeInterrupted().
      if (shared) expect(statuses).not.toContain('queued');
      else expect(statuses).toContain('queued');
      await manager.shutdown();
    }
  });
});

describe('a paused job that cannot be restored', () => {
  it('is paused again in the store, not left queued, and started(id) rejects with why', async () => {
    const db = database();
    const probe = new Probe();
    let open: () => void = () => {};
    const held = new Promise<void>((resolve) => (open = resolve));
    const gate = (_id: string, item: number) => (item === 2 ? held : Promise.resolve());
    const first = createJobManager({ store: db.open(), jobs: [counted], deps: { probe, gate } });
    const id = await first.dispatch(counted, { n: 4 });
    await waitFor(() => probe.items.length === 2);
    const paused = first.pause(id);
    open();
    await paused;
    await first.shutdown();

    // The same job with a phase added and no migration: its checkpoint cannot be restored.
    const changed = defineJob({
      name: counted.name,
      version: counted.version,
      initialState: () => ({ cursor: 0, done: [] as number[] }),
      phases: ['work', 'finish', 'extra'].map((name) => phase({ name, execute: async () => Continue })),
    });
    const store = db.open();
    const manager = createJobManager({ store, jobs: [changed], deps: { probe } });
    const started = manager.started(id);
    await manager.resume(id);
    await expect(started).rejects.toBeInstanceOf(JobVersionError);
    expect((await store.load(id))?.record.status).toBe('paused');
    await manager.shutdown();
  });
});
