import { describe, expect, it, vi } from 'vitest';
import { createActor, setup } from 'xstate';
import {
  Continue,
  compileJob,
  decodeEnvelope,
  defineJob,
  encodeEnvelope,
  type JobMachineOutput,
  MemoryStore,
  phase,
  provideRuntime,
  resumeJob,
  runJob,
  snapshotPosition,
} from '../../../src/index.js';
import { batchJob, effects, exactlyOnce } from './batchJob.js';
import { batchParent, jobOf, resultOf, until } from './batchParent.js';
import { flush } from '../helpers.js';

/**
 * A job's phases run in one actor for its whole run, the runner: the `execute` action of each phase's
 * `running` starts the phase, and its outcome comes back as the `xstate.done.actor.execute-<phase>` /
 * `xstate.error.actor.execute-<phase>` event an invoked actor would send. Checkpoints of earlier versions held a
 * running phase as an invoked `execute-<phase>` actor and no runner: they resume too.
 */
const job = batchJob({ name: 'runner-job' });
const INPUT = { items: 300, size: 10 };

/** A running phase as checkpoints written before the runner held it: an invoked `runPhase`, no runner. */
function oldChildren(jobId: string, attempt: number) {
  return {
    'execute-process': {
      snapshot: {
        status: 'active',
        output: undefined,
        error: undefined,
        input: { jobId, phase: 'process', attempt, reset: null },
      },
      src: 'runPhase',
      syncSnapshot: false,
    },
  };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)),
  ]);
}

type AnyActor = ReturnType<typeof createActor>;
const parentOf = (machine: ReturnType<typeof provideRuntime>['machine'], jobId: string) =>
  batchParent(machine, jobId, INPUT);

/** A parent persisted right after the job's checkpoint of `batch`, then stopped, and what the job wrote. */
async function persistedMidPhase(jobId: string, batch: number) {
  const store = new MemoryStore();
  const fx = effects();
  const first = provideRuntime(job, { jobId, input: INPUT, store, deps: fx });
  let persisted: any;
  let app!: AnyActor;
  fx.afterCheckpoint = async (b) => {
    if (b === batch && persisted === undefined) {
      persisted = app.getPersistedSnapshot();
      await first.runtime.stop('stopped');
      app.stop();
    }
  };
  app = createActor(parentOf(first.machine, jobId)).start();
  await until(() => persisted !== undefined && first.runtime.stopReason !== null);
  fx.afterCheckpoint = undefined;
  return { store, fx, persisted };
}

describe('the runner', () => {
  it('is the one actor a run starts for its phases (and `output` for the result)', async () => {
    const names: string[] = [];
    const run = runJob(job, INPUT, {
      deps: effects(),
      inspect: (event) => {
        if (event.type === '@xstate.actor') names.push((event.actorRef as unknown as { id: string }).id);
      },
    });
    expect((await run.result).status).toBe('completed');
    expect(names).toEqual([run.id, 'runner', 'output']);
  });

  it('resumes a checkpoint written before it, whose running phase was an invoked actor: the phase runs once more', async () => {
    const store = new MemoryStore();
    const fx = effects();
    const first = runJob(job, INPUT, { store, deps: fx, jobId: 'old-1' });
    fx.afterCheckpoint = async (batch) => {
      if (batch === 12) await first.stop();
    };
    expect((await first.result).status).toBe('interrupted');
    fx.afterCheckpoint = undefined;
    const rowsAtStop = fx.rows.length;
    expect(rowsAtStop).toBe(130);

    // The stored checkpoint, rewritten into the shape the earlier versions wrote.
    const stored = (await store.load('old-1'))!;
    const envelope = decodeEnvelope(stored.bytes, { name: job.name, version: job.version });
    const machine = envelope.machine as { value: unknown; children: Record<string, unknown> };
    expect(machine.value).toEqual({ process: 'running' });
    expect(Object.keys(machine.children)).toEqual(['runner']);
    const old = { ...envelope, machine: { ...machine, children: oldChildren('old-1', 1) } };
    const record = (await store.list())[0];
    await store.save('old-1', encodeEnvelope(old), { ...record, updatedAt: record.updatedAt });

    // The checkpoints it writes from now on hold the runner, not the invoked actor.
    const childrenAfter: string[][] = [];
    fx.afterCheckpoint = async (batch) => {
      if (batch !== 20) return;
      const now = decodeEnvelope((await store.load('old-1'))!.bytes, {
        name: job.name,
        version: job.version,
      });
      childrenAfter.push(Object.keys((now.machine as { children: object }).children));
    };
    const run = await resumeJob(job, 'old-1', { store, deps: fx });
    const result = await within(run.result, 5000, 'the resumed job');
    expect(childrenAfter).toEqual([['runner']]);
    expect(result.status).toBe('completed');
    expect(result.history.map((h) => [h.phase, h.status, h.attempts])).toEqual([
      ['process', 'completed', 1],
      ['report', 'completed', 1],
    ]);
    expect(exactlyOnce(fx.rows, 300)).toBe(true);
  });

  it('an embedding parent persisted before it: the invoked phase of its snapshot runs, later phases through the runner', async () => {
    const { store, fx, persisted } = await persistedMidPhase('emb-old', 12);
    const jobSnapshot = persisted.children.job.snapshot;
    expect(Object.keys(jobSnapshot.children)).toEqual(['runner']);
    jobSnapshot.children = oldChildren('emb-old', 1);

    // Once restored, the job gets its runner: a parent persisted again holds it, and restores from that too.
    const childrenAfter: string[][] = [];
    let restored!: AnyActor;
    fx.afterCheckpoint = async (batch) => {
      if (batch !== 20) return;
      childrenAfter.push(Object.keys(jobOf(restored).getSnapshot().children).sort());
    };
    const second = provideRuntime(job, { jobId: 'emb-old', input: INPUT, store, deps: fx });
    restored = createActor(parentOf(second.machine, 'emb-old'), { snapshot: persisted });
    restored.start();
    const result = await within(resultOf(restored), 5000, 'the restored parent');
    await second.runtime.settled();
    expect(childrenAfter).toEqual([['execute-process', 'runner']]);
    expect(result.status).toBe('completed');
    expect(result.history.map((h) => h.status)).toEqual(['completed', 'completed']);
    expect(exactlyOnce(fx.rows, 300)).toBe(true);
  });

  it('an embedding parent persisted before it while the job was paused (no children): restored, resumed, persisted again mid-phase and restored again, the job completes', async () => {
    const store = new MemoryStore();
    const fx = effects();
    const first = provideRuntime(job, { jobId: 'emb-paused', input: INPUT, store, deps: fx });
    const app = createActor(parentOf(first.machine, 'emb-paused')).start();
    await until(() => fx.rows.length >= 50);
    app.send({ type: 'PAUSE_JOB' });
    await until(() => snapshotPosition(jobOf(app).getSnapshot().value).step === 'paused');
    await first.runtime.settled();
    const persisted: any = app.getPersistedSnapshot();
    app.stop();
    // What an earlier version wrote for a paused job: no children at all (paused invokes nothing).
    expect(Object.keys(persisted.children.job.snapshot.children)).toEqual(['runner']);
    persisted.children.job.snapshot.children = {};

    let again: any;
    let restored!: AnyActor;
    const second = provideRuntime(job, { jobId: 'emb-paused', input: INPUT, store, deps: fx });
    fx.afterCheckpoint = async (batch) => {
      if (batch === 20 && again === undefined) {
        again = restored.getPersistedSnapshot();
        await second.runtime.stop('stopped');
        restored.stop();
      }
    };
    restored = createActor(parentOf(second.machine, 'emb-paused'), { snapshot: persisted }).start();
    restored.send({ type: 'RESUME_JOB' });
    await until(() => again !== undefined && second.runtime.stopReason !== null);
    fx.afterCheckpoint = undefined;
    expect(Object.keys(again.children.job.snapshot.children)).toEqual(['runner']);

    const third = provideRuntime(job, { jobId: 'emb-paused', input: INPUT, store, deps: fx });
    const last = createActor(parentOf(third.machine, 'emb-paused'), { snapshot: again }).start();
    const result = await within(resultOf(last), 5000, 'the parent restored again');
    await third.runtime.settled();
    expect(result.status).toBe('completed');
    expect(exactlyOnce(fx.rows, 300)).toBe(true);
  });

  it('an embedding parent persisted before it mid-phase, the job then paused and resumed: the old invoked actor goes, every checkpoint encodes, the job completes', async () => {
    const { store, fx, persisted } = await persistedMidPhase('emb-pause', 5);
    persisted.children.job.snapshot.children = oldChildren('emb-pause', 1);

    let restored!: AnyActor;
    let paused = false;
    fx.afterCheckpoint = async (batch) => {
      if (batch === 10 && !paused) {
        paused = true;
        restored.send({ type: 'PAUSE_JOB' });
      }
    };
    const second = provideRuntime(job, { jobId: 'emb-pause', input: INPUT, store, deps: fx });
    restored = createActor(parentOf(second.machine, 'emb-pause'), { snapshot: persisted }).start();
    await until(() => snapshotPosition(jobOf(restored).getSnapshot().value).step === 'paused');
    await second.runtime.settled();
    // Leaving `running`, the invoked actor of the old snapshot was stopped, as its invoke's would be.
    expect(Object.keys(jobOf(restored).getSnapshot().children)).toEqual(['runner']);
    restored.send({ type: 'RESUME_JOB' });
    const result = await within(resultOf(restored), 5000, 'the restored parent');
    expect(result.failure).toBeNull();
    expect(result.status).toBe('completed');
    expect(exactlyOnce(fx.rows, 300)).toBe(true);
  });

  it('an embedded job its parent restored paused reports as resumeJob does: resumed, its checkpoint figures from the first frame', async () => {
    const track = (run: {
      events$: { subscribe(f: (e: { type: string; phase: string | null }) => void): unknown };
      progress$: { subscribe(f: (p: { overallPercent: number }) => void): unknown };
    }) => {
      const events: string[] = [];
      const percents: number[] = [];
      run.events$.subscribe((e) => {
        if (e.type !== 'checkpointed') events.push(`${e.type}:${e.phase}`);
      });
      run.progress$.subscribe((p) => percents.push(p.overallPercent));
      return { events, percents };
    };
    // The same job paused at the same batch, resumed by resumeJob: what the embedded one must report.
    const store0 = new MemoryStore();
    const fx0 = effects();
    const run0 = runJob(job, INPUT, { store: store0, deps: fx0, jobId: 'top' });
    fx0.afterCheckpoint = async (batch) => {
      if (batch === 5) void run0.pause();
    };
    await until(() => run0.position.step === 'paused');
    await run0.pause();
    fx0.afterCheckpoint = undefined;
    const saved = decodeEnvelope((await store0.load('top'))!.bytes, { name: job.name, version: job.version });
    const resumed = await resumeJob(job, 'top', { store: store0, deps: fx0, resume: false });
    const expected = track({ events$: resumed.events$, progress$: resumed.progress$ });
    await resumed.resume();
    expect((await resumed.result).status).toBe('completed');

    const store = new MemoryStore();
    const fx = effects();
    const first = provideRuntime(job, { jobId: 'emb-events', input: INPUT, store, deps: fx });
    const app = createActor(parentOf(first.machine, 'emb-events')).start();
    fx.afterCheckpoint = async (batch) => {
      if (batch === 5) app.send({ type: 'PAUSE_JOB' });
    };
    await until(() => snapshotPosition(jobOf(app).getSnapshot().value).step === 'paused');
    await first.runtime.settled();
    fx.afterCheckpoint = undefined;
    const persisted = app.getPersistedSnapshot();
    app.stop();
    const second = provideRuntime(job, { jobId: 'emb-events', input: INPUT, store, deps: fx });
    const seen = track({ events$: second.runtime.events$, progress$: second.runtime.progress.progress$ });
    const restored = createActor(parentOf(second.machine, 'emb-events'), { snapshot: persisted as never });
    restored.start();
    restored.send({ type: 'RESUME_JOB' });
    expect((await within(resultOf(restored), 5000, 'the restored parent')).status).toBe('completed');

    expect(expected.events[0]).toBe('resumed:process');
    expect(seen.events).toEqual(expected.events);
    expect(saved.progress.overallPercent).toBeGreaterThan(0);
    expect(seen.percents[0]).toBeGreaterThanOrEqual(saved.progress.overallPercent);
    expect(seen.percents).toEqual([...seen.percents].sort((a, b) => a - b));
  });

  it('a job machine invoked again by its parent while its first phase is in flight runs that phase again once the first run returned', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    let aborted = false;
    const once = defineJob({
      name: 'reinvoked',
      version: 1,
      initialState: () => ({}),
      output: () => 'ok',
      phases: [
        phase({
          name: 'one',
          async execute(ctx) {
            runs++;
            if (runs === 1) {
              await gate;
              aborted = ctx.signal.aborted;
            }
            return Continue;
          },
        }),
      ],
    });
    const { machine } = provideRuntime(once, { jobId: 'r', input: {}, boundaryCheckpoints: false });
    const app = setup({ actors: { job: machine } }).createMachine({
      initial: 'working',
      states: {
        working: {
          invoke: { id: 'job', src: 'job', input: { jobId: 'r', input: {} }, onDone: 'finished' },
          on: { RESTART: { target: 'working', reenter: true } },
        },
        finished: { type: 'final' },
      },
    });
    const actor = createActor(app).start();
    await until(() => runs === 1);
    actor.send({ type: 'RESTART' });
    await flush();
    // The new run waits for the stopped one's code: one job's phases never run twice at once.
    expect(runs).toBe(1);
    release();
    await within(
      until(() => actor.getSnapshot().status === 'done'),
      5000,
      'the parent',
    );
    expect(runs).toBe(2);
    expect(aborted).toBe(true);
  });

  it('sends nothing to a job stopped as its phase starts (no XState warning)', async () => {
    const warnings: unknown[][] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((...args) => {
      warnings.push(args);
    });
    try {
      const run = runJob(job, { items: 30, size: 10 }, { deps: effects() });
      run.events$.subscribe((e) => {
        if (e.type === 'phaseStarted' && e.phase === 'report') void run.stop();
      });
      expect((await run.result).status).toBe('interrupted');
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      warn.mockRestore();
    }
    expect(warnings).toEqual([]);
  });

  it('drops the outcome of a phase the job stopped waiting for (it failed meanwhile)', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const held = defineJob({
      name: 'held',
      version: 1,
      initialState: () => ({}),
      output: () => null,
      phases: [
        phase({
          name: 'wait',
          async execute() {
            started();
            await released;
            return Continue;
          },
        }),
      ],
    });
    const errors: unknown[] = [];
    const run = runJob(held, {});
    run.actor.subscribe({ error: (e) => errors.push(e) });
    await running;
    run.actor.send({ type: 'CHECKPOINT_FAILED', at: 5 } as never);
    release();
    const result = await run.result;
    expect(result.status).toBe('failed');
    expect(result.failure?.name).toBe('CheckpointError');
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual([]);
  });

  it('without phasekit’s runtime, the compiled machine fails its first phase with MissingRuntimeError', async () => {
    const actor = createActor(compileJob(job), { input: { jobId: 'bare', input: INPUT } });
    const done = new Promise<JobMachineOutput<unknown>>((resolve) =>
      actor.subscribe({ complete: () => resolve(actor.getSnapshot().output as JobMachineOutput<unknown>) }),
    );
    actor.start();
    const output = await within(done, 2000, 'the bare machine');
    expect(output.status).toBe('failed');
    expect(output.failure).toMatchObject({ name: 'MissingRuntimeError', phase: 'process' });
    expect(output.failure?.message).toContain('provideRuntime');
  });
});
