import { describe, expect, it } from 'vitest';
import { createJobManager } from '../../src/manager/createJobManager.js';
import { deferred } from '../machines/helpers.js';
import { counted, database, Probe, waitFor } from './fixtures.js';

describe('concurrency and order', () => {
  it('never runs more than `concurrency` jobs at once, and reaches it', async () => {
    for (const concurrency of [1, 2, 3]) {
      const probe = new Probe();
      const store = database().open();
      const manager = createJobManager({ store, jobs: [counted], deps: { probe }, concurrency });
      const ids = await Promise.all(
        Array.from({ length: 7 }, () => manager.dispatch(counted, { n: 4, delayMs: 3 })),
      );
      await manager.drain();
      expect(probe.max).toBe(concurrency);
      const results = await Promise.all(ids.map((id) => manager.result(id)));
      expect(results.map((r) => r.status)).toEqual(Array(7).fill('completed'));
      expect(probe.items).toHaveLength(7 * 4);
      expect((await store.list()).map((r) => r.status)).toEqual(Array(7).fill('completed'));
    }
  });

  it('starts queued jobs first in, first out, as slots free up', async () => {
    const probe = new Probe();
    const gates = new Map<string, ReturnType<typeof deferred<void>>>();
    const gate = (id: string) => {
      if (!gates.has(id)) gates.set(id, deferred());
      return gates.get(id)!.promise;
    };
    const store = database().open();
    const manager = createJobManager({ store, jobs: [counted], deps: { probe, gate }, concurrency: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await manager.dispatch('counted', { n: 1 }, { jobId: `job-${i}` }));
    await waitFor(() => probe.starts.length === 2);
    expect(probe.starts).toEqual(['job-0', 'job-1']);
    // Free the slots out of order: the queue still starts job-2, then job-3, ...
    for (const finishing of ['job-1', 'job-0', 'job-3', 'job-2', 'job-5', 'job-4']) {
      await waitFor(() => gates.has(finishing));
      gates.get(finishing)!.resolve();
      await manager.result(finishing);
    }
    await manager.drain();
    expect(probe.starts).toEqual(ids);
    expect(probe.max).toBe(2);
  });

  it('keeps dispatch order among dispatches that are not awaited one by one', async () => {
    const probe = new Probe();
    const store = database().open();
    const manager = createJobManager({ store, jobs: [counted], deps: { probe }, concurrency: 1 });
    const ids = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((id) => manager.dispatch(counted, { n: 1 }, { jobId: id })),
    );
    await manager.drain();
    expect(probe.starts).toEqual(ids);
    // The stored creation times keep that order too, for a restart (see resumeInterrupted).
    const byCreation = (await store.list()).sort((x, y) => x.createdAt - y.createdAt).map((r) => r.id);
    expect(byCreation).toEqual(ids);
  });

  it('drain() resolves at once when nothing runs or waits', async () => {
    const manager = createJobManager({
      store: database().open(),
      jobs: [counted],
      deps: { probe: new Probe() },
    });
    await manager.drain();
  });
});
