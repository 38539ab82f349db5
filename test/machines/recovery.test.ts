import { describe, expect, it } from 'vitest';
import {
  Continue,
  decodeEnvelope,
  defineJob,
  FatalError,
  MemoryStore,
  PausedError,
  phase,
  resumeJob,
  runJob,
  snapshotPosition,
} from '../../src/index.js';
import { TestClock } from '../../src/testing/index.js';
import { deferred, flush } from './helpers.js';

type S = { log: string[]; value: number };
const init = (): S => ({ log: [], value: 0 });

describe('recovery policies', () => {
  it('restart-phase runs the phase again from the state it had when the phase began', async () => {
    let calls = 0;
    const def = defineJob<S>({
      name: 'restart',
      version: 1,
      initialState: init,
      phases: [
        phase<S>({
          name: 'prep',
          async execute(ctx) {
            ctx.state.value = 10;
            return Continue;
          },
        }),
        phase<S>({
          name: 'flaky',
          recovery: { strategy: 'restart-phase', maxAttempts: 3, backoff: { initialMs: 0 } },
          async execute(ctx) {
            calls++;
            ctx.state.log.push(`attempt ${ctx.attempt} saw ${ctx.state.value}`);
            ctx.state.value += 1;
            await ctx.checkpoint({ force: true });
            if (calls < 3) throw new Error(`boom ${calls}`);
            return Continue;
          },
        }),
      ],
    });
    const result = await runJob(def, {}).result;
    expect(result.status).toBe('completed');
    // Each attempt starts from value 10 and an empty log: the phase's start.
    expect((result.output as S).log).toEqual(['attempt 3 saw 10']);
    expect(result.history[1]).toMatchObject({ status: 'completed', attempts: 3 });
  });

  it('retry-from-checkpoint resets the state to the last checkpoint, keeping checkpointed progress', async () => {
    let calls = 0;
    const def = defineJob<S>({
      name: 'retry',
      version: 1,
      initialState: init,
      phases: [
        phase<S>({
          name: 'steps',
          recovery: { strategy: 'retry-from-checkpoint', maxAttempts: 2, backoff: { initialMs: 0 } },
          async execute(ctx) {
            calls++;
            while (ctx.state.value < 4) {
              ctx.state.value++;
              ctx.state.log.push(`step ${ctx.state.value}`);
              if (ctx.state.value === 2) await ctx.checkpoint({ force: true });
              if (ctx.state.value === 3 && calls === 1) throw new Error('transient');
            }
            return Continue;
          },
        }),
      ],
    });
    const result = await runJob(def, {}).result;
    expect(result.status).toBe('completed');
    expect((result.output as S).log).toEqual(['step 1', 'step 2', 'step 3', 'step 4']);
    expect(result.history[0].attempts).toBe(2);
  });

  it('gives up after maxAttempts and fails with the last error', async () => {
    const def = defineJob<S>({
      name: 'giveup',
      version: 1,
      initialState: init,
      phases: [
        phase<S>({
          name: 'never',
          recovery: { strategy: 'restart-phase', maxAttempts: 3, backoff: { initialMs: 0 } },
          async execute(ctx) {
            throw new FatalError(`attempt ${ctx.attempt}`);
          },
        }),
      ],
    });
    const result = await runJob(def, {}).result;
    expect(result.status).toBe('failed');
    expect(result.failure?.message).toBe('attempt 3');
    expect(result.history[0].attempts).toBe(3);
  });

  it('skip-phase records the phase failed and goes on', async () => {
    const def = defineJob<S>({
      name: 'skipper',
      version: 1,
      initialState: init,
      phases: [
        phase<S>({
          name: 'optional',
          recovery: { strategy: 'skip-phase' },
          async execute() {
            throw new Error('no thumbnails today');
          },
        }),
        phase<S>({
          name: 'rest',
          async execute(ctx) {
            ctx.state.log.push('rest');
            return Continue;
          },
        }),
      ],
    });
    const result = await runJob(def, {}).result;
    expect(result.status).toBe('completed');
    expect(result.history.map((h) => h.status)).toEqual(['failed', 'completed']);
    expect(result.errors[0]).toMatchObject({ phase: 'optional', message: 'no thumbnails today' });
  });

  it('backs off with a sleep to an absolute deadline that survives a restart', async () => {
    const clock = new TestClock(1_000_000);
    const store = new MemoryStore();
    let calls = 0;
    const makeDef = () =>
      defineJob<S>({
        name: 'backoff',
        version: 1,
        initialState: init,
        phases: [
          phase<S>({
            name: 'net',
            recovery: { strategy: 'restart-phase', maxAttempts: 2, backoff: { initialMs: 5000 } },
            async execute() {
              calls++;
              if (calls === 1) throw new Error('offline');
              return Continue;
            },
          }),
        ],
      });
    const run = runJob(makeDef(), {}, { store, clock });
    await flush();
    expect(run.position).toEqual({ phase: 'net', step: 'retrying' });
    expect(run.context.retryAt).toBe(1_005_000);
    await run.checkpoint();
    run.stop();
    // The process "restarts" 2 s later: 3 s remain, not 5.
    await clock.advance(2000);
    const resumed = await resumeJob(makeDef(), run.id, { store, clock });
    await clock.advance(2999);
    expect(calls).toBe(1);
    await clock.advance(1);
    expect((await resumed.result).status).toBe('completed');
    expect(calls).toBe(2);
  });

  it('keeps the deadline and the attempt count through a stop (as a crash) during the backoff, with no checkpoint asked for', async () => {
    const clock = new TestClock(1_000_000);
    const store = new MemoryStore();
    const attempts: number[] = [];
    const second = deferred();
    const makeDef = () =>
      defineJob<S>({
        name: 'backoffStop',
        version: 1,
        initialState: init,
        phases: [
          phase<S>({
            name: 'net',
            recovery: { strategy: 'retry-from-checkpoint', maxAttempts: 2, backoff: { initialMs: 3000 } },
            async execute(ctx) {
              attempts.push(ctx.attempt);
              ctx.state.value++;
              if (ctx.attempt === 2) await second.promise;
              throw new Error('rate limited');
            },
          }),
        ],
      });
    const run = runJob(makeDef(), {}, { store, clock, jobId: 'bo' });
    await flush();
    expect(run.position).toEqual({ phase: 'net', step: 'retrying' });
    // What the store holds is the wait, with the state the retry starts from: a crash loses nothing of it.
    const stored = decodeEnvelope((await store.load('bo'))!.bytes, { name: 'backoffStop', version: 1 });
    expect(snapshotPosition((stored.machine as { value: unknown }).value)).toEqual({
      phase: 'net',
      step: 'retrying',
    });
    expect((stored.state as S).value).toBe(0);
    // Stopped as a crash would stop it: nothing more is written.
    await run.stop();
    expect((await run.result).status).toBe('interrupted');
    await clock.advance(1000);
    const resumed = await resumeJob(makeDef(), 'bo', { store, clock });
    await flush();
    await clock.advance(1999);
    expect(attempts).toEqual([1]);
    await clock.advance(1);
    await flush();
    // The restored run's next attempt starts with its boundary checkpoint: a crash now runs attempt 2 again.
    const during = decodeEnvelope((await store.load('bo'))!.bytes, { name: 'backoffStop', version: 1 });
    expect(snapshotPosition((during.machine as { value: unknown }).value).step).toBe('running');
    expect(during.history[0].attempts).toBe(2);
    second.resolve();
    const result = await resumed.result;
    // The second attempt is the last (maxAttempts 2), from the state the first began with.
    expect(attempts).toEqual([1, 2]);
    expect(result.status).toBe('failed');
    expect(result.history[0].attempts).toBe(2);
    expect((resumed.state as S).value).toBe(1);
  });

  it.each(['run.resume()', 'resumeJob'])(
    'restart-phase after a pause and %s restarts from the state the phase began with, not the paused one',
    async (how) => {
      type C = { cursor: number; sum: number };
      const seen: string[] = [];
      let paused = false;
      const def = defineJob({
        name: 'restartAfterPause',
        version: 1,
        initialState: (): C => ({ cursor: 0, sum: 0 }),
        output: (s: C) => s,
        phases: [
          phase<C>({
            name: 'acc',
            recovery: { strategy: 'restart-phase', maxAttempts: 3, backoff: { initialMs: 0 } },
            async execute(ctx) {
              seen.push(`attempt ${ctx.attempt} from ${JSON.stringify(ctx.state)}`);
              for (; ctx.state.cursor < 6; ctx.state.cursor++) {
                ctx.state.sum += ctx.state.cursor;
                if (ctx.state.cursor === 2 && !paused) {
                  paused = true;
                  throw new PausedError();
                }
                if (ctx.state.cursor === 4 && ctx.attempt === 1) throw new Error('boom');
              }
              return Continue;
            },
          }),
        ],
      });
      const store = new MemoryStore();
      const run = runJob(def, {}, { store, jobId: 'rp' });
      await flush();
      expect(run.position).toEqual({ phase: 'acc', step: 'paused' });
      let last = run;
      if (how === 'run.resume()') await run.resume();
      else {
        await run.stop();
        last = await resumeJob(def, 'rp', { store });
      }
      const result = await last.result;
      expect(result.status).toBe('completed');
      expect(seen).toEqual([
        'attempt 1 from {"cursor":0,"sum":0}',
        'attempt 1 from {"cursor":2,"sum":3}',
        'attempt 2 from {"cursor":0,"sum":0}',
      ]);
      expect(result.output).toEqual({ cursor: 6, sum: 15 });
    },
  );

  it("restart-phase of a phase paused at its boundary and resumed by resumeJob restarts from that phase's start", async () => {
    const seen: string[] = [];
    let run: ReturnType<typeof runJob> | undefined;
    const def = defineJob<S>({
      name: 'restartAtBoundary',
      version: 1,
      initialState: init,
      phases: [
        phase<S>({
          name: 'first',
          recovery: { strategy: 'restart-phase', maxAttempts: 2, backoff: { initialMs: 0 } },
          async execute(ctx) {
            ctx.state.value = 10;
            // Asked as the phase runs, never checked: the job stops in the next phase's `paused`.
            run?.pause();
            return Continue;
          },
        }),
        phase<S>({
          name: 'second',
          recovery: { strategy: 'restart-phase', maxAttempts: 2, backoff: { initialMs: 0 } },
          async execute(ctx) {
            seen.push(`attempt ${ctx.attempt} saw ${ctx.state.value}`);
            ctx.state.value++;
            if (ctx.attempt === 1) throw new Error('flaky');
            return Continue;
          },
        }),
      ],
    });
    const store = new MemoryStore();
    run = runJob(def, {}, { store, jobId: 'rb' });
    while (run.position.step !== 'paused') await flush(1);
    expect(run.position.phase).toBe('second');
    await run.stop();
    const resumed = await resumeJob(def, 'rb', { store });
    expect((await resumed.result).status).toBe('completed');
    // The paused checkpoint held no start of `second` (it never ran): it is taken as `second` starts.
    expect(seen).toEqual(['attempt 1 saw 10', 'attempt 2 saw 10']);
  });
});
