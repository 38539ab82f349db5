import { describe, expect, it } from 'vitest';
import { Continue, defineJob, MemoryStore, phase } from '../../src/index.js';
import { createJobManager } from '../../src/manager/createJobManager.js';
import { DuplicateJobNameError } from '../../src/manager/DuplicateJobNameError.js';
import { JobExistsError } from '../../src/manager/JobExistsError.js';
import { JobManagerClosedError } from '../../src/manager/JobManagerClosedError.js';
import { UnknownJobError } from '../../src/manager/UnknownJobError.js';
import { SnapshotEncodeError } from '../../src/persistence/SnapshotEncodeError.js';
import { counted, database, other, Probe } from './fixtures.js';

const twin = defineJob({
  name: 'counted',
  version: 1,
  initialState: () => ({}),
  phases: [
    phase({
      name: 'a',
      async execute() {
        return Continue;
      },
    }),
  ],
});

describe('registry and errors', () => {
  it('refuses two different definitions with one name, naming it; the same one twice is fine', () => {
    expect(() => createJobManager({ store: new MemoryStore(), jobs: [counted, twin] })).toThrow(
      DuplicateJobNameError,
    );
    const manager = createJobManager({ store: new MemoryStore(), jobs: [counted, counted] });
    manager.register(counted);
    try {
      manager.register(twin);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DuplicateJobNameError);
      expect((error as Error).message).toMatch(/"counted" is already registered.*rename one of them/);
    }
  });

  it('dispatch by name needs a registered definition; dispatch by definition registers it', async () => {
    const store = database().open();
    const manager = createJobManager({ store, jobs: [counted], deps: { probe: new Probe() } });
    const error = await manager.dispatch('countd', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownJobError);
    expect((error as Error).message).toContain('No job definition named "countd"');
    expect((error as Error).message).toContain('registered: "counted"');
    expect(await store.list()).toEqual([]);
    const id = await manager.dispatch(other, {});
    expect((await manager.result(id)).status).toBe('completed');
    expect((await manager.dispatch('other', {})).length).toBeGreaterThan(0);
    await expect(manager.dispatch(twin, {})).rejects.toBeInstanceOf(DuplicateJobNameError);
  });

  it('refuses a job id already in use, and an input a checkpoint cannot keep', async () => {
    const store = database().open();
    const manager = createJobManager({ store, jobs: [counted], deps: { probe: new Probe() } });
    await manager.dispatch(counted, { n: 1 }, { jobId: 'x' });
    await expect(manager.dispatch(counted, { n: 1 }, { jobId: 'x' })).rejects.toBeInstanceOf(JobExistsError);
    await manager.drain();
    await expect(manager.dispatch(counted, { n: 1 }, { jobId: 'x' })).rejects.toThrow(/already exists/);
    await expect(manager.dispatch(counted, { n: 1, bad: () => 1 } as never)).rejects.toBeInstanceOf(
      SnapshotEncodeError,
    );
    expect((await store.list()).map((r) => r.id)).toEqual(['x']);
  });

  it('refuses a concurrency that is not a positive integer', () => {
    for (const concurrency of [0, -1, 1.5, Number.NaN]) {
      expect(() => createJobManager({ store: new MemoryStore(), concurrency })).toThrow(RangeError);
    }
  });

  it('works on any store (a MemoryStore here)', async () => {
    const probe = new Probe();
    const manager = createJobManager({
      store: new MemoryStore(),
      jobs: [counted],
      deps: { probe },
      concurrency: 2,
    });
    const ids = await Promise.all([1, 2, 3].map((n) => manager.dispatch(counted, { n, delayMs: 2 })));
    await manager.drain();
    for (const id of ids) expect((await manager.result(id)).status).toBe('completed');
    expect(probe.max).toBe(2);
  });

  it('after shutdown, refuses to dispatch, resume or resumeInterrupted, saying what to do', async () => {
    const manager = createJobManager({ store: database().open(), jobs: [counted] });
    await manager.shutdown();
    await expect(manager.dispatch(counted, { n: 1 })).rejects.toBeInstanceOf(JobManagerClosedError);
    await expect(manager.resume('x')).rejects.toBeInstanceOf(JobManagerClosedError);
    await expect(manager.resumeInterrupted()).rejects.toThrow(
      /Create a new manager with createJobManager\(\)/,
    );
  });
});
