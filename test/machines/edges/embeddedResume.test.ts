import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { MemoryStore, provideRuntime, snapshotPosition } from '../../../src/index.js';
import { batchJob, effects, exactlyOnce } from './batchJob.js';
import { type BatchOut, batchParent, jobOf, until } from './batchParent.js';

const job = batchJob({ name: 'embedded' });
type Out = BatchOut;

const appWith = (machine: ReturnType<typeof provideRuntime>['machine']) =>
  batchParent(machine, 'emb-1', { items: 300, size: 10 });

describe('an embedded job restored with its parent', () => {
  it('continues from its own checkpoint, not from initialState, when the parent was persisted mid-phase', async () => {
    const store = new MemoryStore();
    const fx = effects();
    const first = provideRuntime(job, { jobId: 'emb-1', input: { items: 300, size: 10 }, store, deps: fx });
    let persisted: unknown;
    let app!: ReturnType<typeof createActor>;
    fx.afterCheckpoint = async (batch) => {
      if (batch === 12 && persisted === undefined) {
        persisted = app.getPersistedSnapshot();
        await first.runtime.stop('stopped');
        app.stop();
      }
    };
    app = createActor(appWith(first.machine)).start();
    await until(() => persisted !== undefined && first.runtime.stopReason !== null);
    const rowsAtCrash = fx.rows.length;
    expect(rowsAtCrash).toBeGreaterThan(0);
    expect(rowsAtCrash).toBeLessThan(300);

    fx.afterCheckpoint = undefined;
    const second = provideRuntime(job, { jobId: 'emb-1', input: { items: 300, size: 10 }, store, deps: fx });
    const restored = createActor(appWith(second.machine), { snapshot: persisted as never }).start();
    await until(() => restored.getSnapshot().status === 'done');
    await second.runtime.settled();
    const result = (restored.getSnapshot().context as { result: Out }).result;
    expect(result.status).toBe('completed');
    expect(exactlyOnce(fx.rows, 300)).toBe(true);
  });

  it('goes on after a parent persisted while its job was paused, once the parent resumes it', async () => {
    const store = new MemoryStore();
    const fx = effects();
    const first = provideRuntime(job, { jobId: 'emb-1', input: { items: 300, size: 10 }, store, deps: fx });
    const app = createActor(appWith(first.machine)).start();
    await until(() => fx.rows.length >= 50);
    app.send({ type: 'PAUSE_JOB' });
    await until(() => snapshotPosition(jobOf(app).getSnapshot().value).step === 'paused');
    await first.runtime.settled();
    const persisted = app.getPersistedSnapshot();
    app.stop();

    const second = provideRuntime(job, { jobId: 'emb-1', input: { items: 300, size: 10 }, store, deps: fx });
    const restored = createActor(appWith(second.machine), { snapshot: persisted as never }).start();
    restored.send({ type: 'RESUME_JOB' });
    await until(() => restored.getSnapshot().status === 'done');
    await second.runtime.settled();
    expect((restored.getSnapshot().context as { result: Out }).result.status).toBe('completed');
    expect(exactlyOnce(fx.rows, 300)).toBe(true);
  });

  it('refuses, as a failed job, when the store holds no checkpoint for it', async () => {
    const fx = effects();
    const first = provideRuntime(job, {
      jobId: 'emb-1',
      input: { items: 300, size: 10 },
      store: new MemoryStore(),
      deps: fx,
    });
    const app = createActor(appWith(first.machine)).start();
    await until(() => fx.rows.length >= 50);
    const persisted = app.getPersistedSnapshot();
    await first.runtime.stop('stopped');
    app.stop();
    const second = provideRuntime(job, {
      jobId: 'emb-1',
      input: { items: 300, size: 10 },
      store: new MemoryStore(),
      deps: fx,
    });
    const restored = createActor(appWith(second.machine), { snapshot: persisted as never }).start();
    await until(() => restored.getSnapshot().status === 'done');
    const result = (restored.getSnapshot().context as { result: Out }).result;
    expect(result.status).toBe('failed');
    expect(result.failure?.name).toBe('EmbeddedResumeError');
  });
});
