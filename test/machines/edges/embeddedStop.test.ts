import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AnyActorRef, createActor, setup } from 'xstate';
import {
  Continue,
  decodeEnvelope,
  defineJob,
  encodeEnvelope,
  JobLockedError,
  MemoryStore,
  phase,
  provideRuntime,
  resumeJob,
  RuntimeBusyError,
  type SnapshotStore,
} from '../../../src/index.js';
import { SqliteStore } from '../../../src/sqlite.js';
import { deferred, flush, tempDir } from '../helpers.js';
import { until } from './batchParent.js';

/** Another owner: another host, so only its lease (not a pid) says whether it is alive. */
const OTHER = { workerId: 'elsewhere:1:test', pid: 1, host: 'elsewhere' };

interface Units {
  next: number;
}

/**
 * A phase doing units 0..3, checkpointing after each; unit 1 waits at `hold` without looking at its signal (as a
 * copy of a large file does). `log` records each unit's start and end, with whether the signal had aborted.
 */
function unitsJob(log: string[], hold: Promise<void>) {
  let runs = 0;
  return defineJob<Units, Record<string, never>>({
    name: 'units',
    version: 1,
    initialState: () => ({ next: 0 }),
    phases: [
      phase<Units>({
        name: 'work',
        async execute(ctx) {
          const run = ++runs;
          while (ctx.state.next < 4) {
            ctx.checkInterrupt();
            log.push(`run ${run} starts unit ${ctx.state.next}`);
            if (run === 1 && ctx.state.next === 1) await hold;
            log.push(`run ${run} ends unit ${ctx.state.next} (aborted: ${ctx.signal.aborted})`);
            ctx.state.next++;
            await ctx.checkpoint({ force: true }).catch((error: unknown) => {
              log.push(`run ${run} checkpoint refused: ${(error as Error).name}`);
              throw error;
            });
          }
          return Continue;
        },
      }),
    ],
  });
}

/** An app that invokes `job` while in `working`; `LEAVE` goes elsewhere, `AGAIN` re-enters `working`. */
function appOf(job: ReturnType<typeof provideRuntime>['machine'], jobId: string) {
  return setup({ actors: { job } }).createMachine({
    initial: 'working',
    states: {
      working: {
        invoke: {
          id: 'job',
          src: 'job',
          input: { jobId, input: {} },
          onDone: 'finished',
          onError: 'crashed',
        },
        on: { LEAVE: 'elsewhere', AGAIN: { target: 'working', reenter: true } },
      },
      elsewhere: { on: { BACK: 'working' } },
      finished: { type: 'final' },
      crashed: { type: 'final' },
    },
  });
}

/** A store that keeps checkpoints but has no leases (no `acquire`): only the runtime keeps two runs apart. */
function leaseless(inner: MemoryStore): SnapshotStore {
  return {
    atomic: false,
    save: (jobId, bytes, meta, opts) => inner.save(jobId, bytes, meta, opts),
    load: (jobId) => inner.load(jobId),
    list: (filter) => inner.list(filter),
  };
}

/** The units the store's checkpoint of `jobId` says are done. */
async function storedNext(store: SnapshotStore, jobId: string): Promise<number> {
  const stored = await store.load(jobId);
  return decodeEnvelope<Units>(stored!.bytes, { name: 'units', version: 1 }).state.next;
}

describe('an embedded job whose actor is stopped without ending', () => {
  it('stops as run.stop() does when the app stops: signal aborted, nothing written after, lease kept until its code returns', async () => {
    const file = path.join(tempDir(), 'jobs.db');
    const store = new SqliteStore(file);
    const other = new SqliteStore(file);
    const log: string[] = [];
    const hold = deferred();
    const job = unitsJob(log, hold.promise);
    const { machine, runtime } = provideRuntime(job, { jobId: 'e1', input: {}, store });
    const app = createActor(appOf(machine, 'e1')).start();
    await until(() => log.includes('run 1 starts unit 1'));
    expect(await storedNext(store, 'e1')).toBe(1);

    app.stop();
    expect(runtime.stopReason).toBe('stopped');
    // Another process on the same file: refused while the stopped phase's unit is still open.
    await expect(other.acquire!('e1', OTHER, { leaseMs: 30_000 })).rejects.toBeInstanceOf(JobLockedError);
    hold.resolve();
    await runtime.idle();
    // The unit ended (its signal aborted), and nothing after it ran or was written.
    expect(log).toEqual([
      'run 1 starts unit 0',
      'run 1 ends unit 0 (aborted: false)',
      'run 1 starts unit 1',
      'run 1 ends unit 1 (aborted: true)',
      'run 1 checkpoint refused: JobStoppedError',
    ]);
    expect(await storedNext(store, 'e1')).toBe(1);
    expect((await store.load('e1'))!.record.status).toBe('running');

    // The lease went with the code: the job goes on from its last checkpoint, in another process or here.
    const lease = await other.acquire!('e1', OTHER, { leaseMs: 30_000 });
    await other.release!(lease);
    const resumed = await resumeJob(job, 'e1', { store });
    expect((await resumed.result).status).toBe('completed');
    expect(log.slice(5)).toEqual([
      'run 2 starts unit 1',
      'run 2 ends unit 1 (aborted: false)',
      'run 2 starts unit 2',
      'run 2 ends unit 2 (aborted: false)',
      'run 2 starts unit 3',
      'run 2 ends unit 3 (aborted: false)',
    ]);
    await store.close();
    await other.close();
  });

  it('stops the same way when its parent leaves the state that invoked it', async () => {
    const store = new MemoryStore();
    const log: string[] = [];
    const hold = deferred();
    const job = unitsJob(log, hold.promise);
    const { machine, runtime } = provideRuntime(job, { jobId: 'e2', input: {}, store });
    const app = createActor(appOf(machine, 'e2')).start();
    await until(() => log.includes('run 1 starts unit 1'));
    app.send({ type: 'LEAVE' });
    expect(runtime.stopReason).toBe('stopped');
    hold.resolve();
    await runtime.idle();
    expect(log.slice(3)).toEqual([
      'run 1 ends unit 1 (aborted: true)',
      'run 1 checkpoint refused: JobStoppedError',
    ]);
    expect(await storedNext(store, 'e2')).toBe(1);
    expect((await resumeJob(job, 'e2', { store }).then((run) => run.result)).status).toBe('completed');
    app.stop();
  });

  it.each([
    ['a store with leases', () => new MemoryStore()],
    ['a store without leases', () => leaseless(new MemoryStore())],
  ])(
    'invoked again while the stopped run still runs its unit: the new run starts from its first phase once that unit ended (%s)',
    async (_, makeStore) => {
      const store = makeStore();
      const log: string[] = [];
      const hold = deferred();
      const job = unitsJob(log, hold.promise);
      const provided = provideRuntime(job, { jobId: 'e3', input: {}, store });
      const first = provided.runtime;
      const app = createActor(appOf(provided.machine, 'e3')).start();
      await until(() => log.includes('run 1 starts unit 1'));
      app.send({ type: 'AGAIN' });
      await flush();
      // The second run waits: nothing of it ran while the first run's unit is open.
      expect(log).toEqual([
        'run 1 starts unit 0',
        'run 1 ends unit 0 (aborted: false)',
        'run 1 starts unit 1',
      ]);
      expect(provided.runtime).not.toBe(first);
      hold.resolve();
      await until(() => app.getSnapshot().status === 'done');
      expect(app.getSnapshot().value).toBe('finished');
      expect(log).toEqual([
        'run 1 starts unit 0',
        'run 1 ends unit 0 (aborted: false)',
        'run 1 starts unit 1',
        'run 1 ends unit 1 (aborted: true)',
        'run 1 checkpoint refused: JobStoppedError',
        'run 2 starts unit 0',
        'run 2 ends unit 0 (aborted: false)',
        'run 2 starts unit 1',
        'run 2 ends unit 1 (aborted: false)',
        'run 2 starts unit 2',
        'run 2 ends unit 2 (aborted: false)',
        'run 2 starts unit 3',
        'run 2 ends unit 3 (aborted: false)',
      ]);
      await provided.runtime.settled();
      expect((await store.load('e3'))!.record.status).toBe('completed');
      expect(provided.runtime.state).toEqual({ next: 4 });
    },
  );

  it('refuses a second actor of the machine while the first one runs (RuntimeBusyError), and the first goes on', async () => {
    const log: string[] = [];
    const hold = deferred();
    const job = unitsJob(log, hold.promise);
    const { machine, runtime } = provideRuntime(job, { jobId: 'e4', input: {} });
    const errors: unknown[] = [];
    const twice = setup({ actors: { job: machine } }).createMachine({
      type: 'parallel',
      states: {
        one: {
          initial: 'on',
          states: { on: { invoke: { id: 'a', src: 'job', input: { jobId: 'e4', input: {} } } } },
        },
        two: {
          initial: 'off',
          states: {
            off: { on: { START: 'on' } },
            on: {
              invoke: {
                id: 'b',
                src: 'job',
                input: { jobId: 'e4', input: {} },
                onError: { actions: ({ event }) => errors.push(event.error) },
              },
            },
          },
        },
      },
    });
    const app = createActor(twice).start();
    await until(() => log.includes('run 1 starts unit 1'));
    app.send({ type: 'START' });
    await until(() => errors.length === 1);
    expect(errors[0]).toBeInstanceOf(RuntimeBusyError);
    expect((errors[0] as Error).message).toMatch(/call provideRuntime again/);
    hold.resolve();
    const a = app.getSnapshot().children.a as AnyActorRef;
    await until(() => a.getSnapshot().status === 'done');
    expect(a.getSnapshot().output.status).toBe('completed');
    expect(runtime.state).toEqual({ next: 4 });
    expect(log.filter((line) => line.startsWith('run 2'))).toEqual([]);
    app.stop();
  });

  it('resumes a checkpoint that an earlier version wrote of the stopped machine (status "stopped")', async () => {
    const store = new MemoryStore();
    const log: string[] = [];
    const hold = deferred();
    const job = unitsJob(log, hold.promise);
    const { machine, runtime } = provideRuntime(job, { jobId: 'e5', input: {}, store });
    const app = createActor(appOf(machine, 'e5')).start();
    await until(() => log.includes('run 1 starts unit 1'));
    app.send({ type: 'LEAVE' });
    hold.resolve();
    await runtime.idle();
    // What earlier versions wrote when the phase went on after the stop: the same checkpoint, machine `stopped`.
    const stored = (await store.load('e5'))!;
    const envelope = decodeEnvelope(stored.bytes, { name: 'units', version: 1 });
    expect((envelope.machine as { status: string }).status).toBe('active');
    const stoppedMachine = { ...(envelope.machine as object), status: 'stopped' };
    const lease = await store.acquire!('e5', OTHER, { leaseMs: 1000 });
    await store.save('e5', encodeEnvelope({ ...envelope, machine: stoppedMachine }), stored.record, {
      fence: lease.fence,
    });
    await store.release!(lease);
    const resumed = await resumeJob(job, 'e5', { store });
    const result = await Promise.race([
      resumed.result,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the resumed job never ran')), 3000),
      ),
    ]);
    expect(result.status).toBe('completed');
    expect(log.filter((line) => line.startsWith('run 2 starts'))).toEqual([
      'run 2 starts unit 1',
      'run 2 starts unit 2',
      'run 2 starts unit 3',
    ]);
    app.stop();
  });
});
