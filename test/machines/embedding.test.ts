import { describe, expect, it } from 'vitest';
import { assign, createActor, sendTo, setup, waitFor } from 'xstate';
import { provideRuntime } from '../../src/machines/provideRuntime.js';
import { snapshotPosition } from '../../src/machines/snapshotPosition.js';
import type { JobMachineOutput } from '../../src/machines/types.js';
import { decodeEnvelope } from '../../src/persistence/decodeEnvelope.js';
import { MemoryStore } from '../../src/persistence/stores/MemoryStore.js';
import { defineJob } from '../../src/phases/defineJob.js';
import { Continue } from '../../src/phases/outcomes.js';
import { phase } from '../../src/phases/phase.js';

interface Input {
  readonly items: readonly string[];
}
interface State {
  cursor: number;
  done: string[];
  cleanedUp: boolean;
}

/**
 * A job with real phase functions. `process` handles one item per `step()` the test allows, and checks for
 * a pause or cancel before each, so the test decides when the job is mid-phase.
 */
function makeJob() {
  const waiting: (() => void)[] = [];
  let processing!: () => void;
  const started = new Promise<void>((resolve) => {
    processing = resolve;
  });
  const job = defineJob<State, Input, unknown, { processed: string[] }>({
    name: 'embedded',
    version: 1,
    initialState: () => ({ cursor: 0, done: [], cleanedUp: false }),
    output: (state) => ({ processed: state.done }),
    phases: [
      phase<State, Input>({
        name: 'process',
        async execute(ctx) {
          processing();
          for (; ctx.state.cursor < ctx.input.items.length; ctx.state.cursor++) {
            ctx.checkInterrupt();
            await new Promise<void>((resolve) => waiting.push(resolve));
            ctx.state.done.push(ctx.input.items[ctx.state.cursor]);
          }
          return Continue;
        },
        async onFailure(ctx) {
          ctx.state.cleanedUp = true;
        },
      }),
      phase<State, Input>({
        name: 'report',
        async execute() {
          return Continue;
        },
      }),
    ],
  });
  /** Let the phase handle its next item. */
  const step = async () => {
    while (waiting.length === 0) await new Promise((resolve) => setImmediate(resolve));
    waiting.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { job, started, step };
}

/** An app machine that runs the job as its child `job`, forwards its controls to it, and keeps the output. */
function appWith(jobMachine: ReturnType<typeof provideRuntime>['machine'], input: Input) {
  return setup({
    types: {} as {
      context: { result: JobMachineOutput<{ processed: string[] }> | null };
      events: { type: 'PAUSE_JOB' } | { type: 'RESUME_JOB' } | { type: 'CANCEL_JOB' };
    },
    actors: { job: jobMachine },
  }).createMachine({
    id: 'app',
    initial: 'working',
    context: { result: null },
    states: {
      working: {
        invoke: {
          id: 'job',
          src: 'job',
          input: { jobId: 'embedded-1', input },
          onDone: {
            target: 'finished',
            actions: assign({
              result: ({ event }) => event.output as JobMachineOutput<{ processed: string[] }>,
            }),
          },
          onError: 'crashed',
        },
        on: {
          PAUSE_JOB: { actions: sendTo('job', { type: 'PAUSE' }) },
          RESUME_JOB: { actions: sendTo('job', { type: 'RESUME' }) },
          CANCEL_JOB: { actions: sendTo('job', { type: 'CANCEL' }) },
        },
      },
      finished: { type: 'final' },
      crashed: { type: 'final' },
    },
  });
}

const items = ['a', 'b', 'c', 'd'];

describe('a compiled job embedded as a child actor of an app machine', () => {
  it('runs to completion and hands its output to the parent in onDone', async () => {
    const { job, step } = makeJob();
    const store = new MemoryStore();
    const { machine, runtime } = provideRuntime(job, { jobId: 'embedded-1', input: { items }, store });
    const app = createActor(appWith(machine, { items })).start();
    for (let i = 0; i < items.length; i++) await step();
    const done = await waitFor(app, (s) => s.status === 'done');
    // The final checkpoint is written once the child's last step is done.
    await runtime.settled();
    expect(done.value).toBe('finished');
    expect(done.context.result).toMatchObject({ status: 'completed', output: { processed: items } });
    expect(done.context.result!.history.map((h) => h.status)).toEqual(['completed', 'completed']);
    expect((await store.list()).map((r) => [r.id, r.status])).toEqual([['embedded-1', 'completed']]);
  });

  it('pauses and resumes through the parent: the job stops mid-phase, checkpoints, and goes on', async () => {
    const { job, started, step } = makeJob();
    const store = new MemoryStore();
    const { machine, runtime } = provideRuntime(job, { jobId: 'embedded-1', input: { items }, store });
    const app = createActor(appWith(machine, { items })).start();
    await started;
    await step(); // a
    app.send({ type: 'PAUSE_JOB' });
    await step(); // b is finished, then checkInterrupt() stops the phase
    const child = app.getSnapshot().children.job!;
    await waitFor(child, (s) => snapshotPosition(s.value).step === 'paused');
    await runtime.settled();
    const stored = await store.load('embedded-1');
    expect(stored?.record.status).toBe('paused');
    const envelope = decodeEnvelope<State>(stored!.bytes, {
      name: 'embedded',
      version: 1,
      jobId: 'embedded-1',
    });
    expect(envelope.state).toMatchObject({ cursor: 2, done: ['a', 'b'] });
    expect(app.getSnapshot().value).toBe('working');

    app.send({ type: 'RESUME_JOB' });
    await step(); // c
    await step(); // d
    const done = await waitFor(app, (s) => s.status === 'done');
    expect(done.context.result).toMatchObject({ status: 'completed', output: { processed: items } });
    expect(done.context.result!.history[0]).toMatchObject({
      phase: 'process',
      status: 'completed',
      attempts: 1,
    });
  });

  it('cancels through the parent: onFailure cleans up and the parent gets a cancelled result', async () => {
    const { job, started, step } = makeJob();
    const store = new MemoryStore();
    const { machine, runtime } = provideRuntime(job, { jobId: 'embedded-1', input: { items }, store });
    const app = createActor(appWith(machine, { items })).start();
    await started;
    await step(); // a
    app.send({ type: 'CANCEL_JOB' });
    await step(); // b is finished, then checkInterrupt() throws CancelledError
    const done = await waitFor(app, (s) => s.status === 'done');
    expect(done.value).toBe('finished');
    const result = done.context.result!;
    expect(result.status).toBe('cancelled');
    expect(result.failure).toMatchObject({ kind: 'cancelled', phase: 'process' });
    expect(result.history.map((h) => h.status)).toEqual(['failed', 'pending']);
    expect(runtime.state).toMatchObject({ done: ['a', 'b'], cleanedUp: true });
    await runtime.settled();
    expect((await store.load('embedded-1'))?.record.status).toBe('cancelled');
  });
});
