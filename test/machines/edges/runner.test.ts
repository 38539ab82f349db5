import { describe, expect, it } from 'vitest';
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
} from '../../../src/index.js';
import { batchJob, effects, exactlyOnce } from './batchJob.js';

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

async function until(test: () => boolean): Promise<void> {
  while (!test()) await new Promise((resolve) => setImmediate(resolve));
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
    type Out = JobMachineOutput<{ next: number }>;
    const appWith = (machine: ReturnType<typeof provideRuntime>['machine']) =>
      setup({ types: {} as { context: { result: Out | null } }, actors: { job: machine } }).createMachine({
        id: 'app',
        initial: 'working',
        context: { result: null },
        states: {
          working: {
            invoke: {
              id: 'job',
              src: 'job',
              input: { jobId: 'emb-old', input: INPUT },
              onDone: {
                target: 'finished',
                actions: ({ context, event }) => {
                  context.result = event.output as Out;
                },
              },
            },
          },
          finished: { type: 'final' },
        },
      });
    const store = new MemoryStore();
    const fx = effects();
    const first = provideRuntime(job, { jobId: 'emb-old', input: INPUT, store, deps: fx });
    let persisted: any;
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
    fx.afterCheckpoint = undefined;
    const jobSnapshot = persisted.children.job.snapshot;
    expect(Object.keys(jobSnapshot.children)).toEqual(['runner']);
    jobSnapshot.children = oldChildren('emb-old', 1);

    // Once restored, the job gets its runner: a parent persisted again holds it, and restores from that too.
    const childrenAfter: string[][] = [];
    let restored!: ReturnType<typeof createActor>;
    fx.afterCheckpoint = async (batch) => {
      if (batch !== 20) return;
      const child = restored.getSnapshot().children.job as { getSnapshot(): { children: object } };
      childrenAfter.push(Object.keys(child.getSnapshot().children).sort());
    };
    const second = provideRuntime(job, { jobId: 'emb-old', input: INPUT, store, deps: fx });
    restored = createActor(appWith(second.machine), { snapshot: persisted });
    restored.start();
    await within(
      until(() => restored.getSnapshot().status === 'done'),
      5000,
      'the restored parent',
    );
    await second.runtime.settled();
    const result = (restored.getSnapshot().context as { result: Out }).result;
    expect(childrenAfter).toEqual([['execute-process', 'runner']]);
    expect(result.status).toBe('completed');
    expect(result.history.map((h) => h.status)).toEqual(['completed', 'completed']);
    expect(exactlyOnce(fx.rows, 300)).toBe(true);
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
