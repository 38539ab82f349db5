import { describe, expect, it } from 'vitest';
import { Continue, defineJob, MemoryStore, PausedError, phase, resumeJob, runJob } from '../../src/index.js';
import { SqliteStore } from '../../src/sqlite.js';
import { deferred, flush, tempDir } from './helpers.js';
import path from 'node:path';

type S = { cursor: number; done: number[] };

/** A phase that processes items 0..n-1, checking for interrupts and checkpointing each step. */
const loopJob = (_n: number, gate?: (i: number) => Promise<void>) =>
  defineJob<S, { n: number }>({
    name: 'loop',
    version: 1,
    initialState: () => ({ cursor: 0, done: [] }),
    phases: [
      phase<S, { n: number }>({
        name: 'work',
        async execute(ctx) {
          for (; ctx.state.cursor < ctx.input.n; ) {
            ctx.checkInterrupt();
            await gate?.(ctx.state.cursor);
            ctx.state.done.push(ctx.state.cursor);
            ctx.state.cursor++;
            await ctx.checkpoint({ force: true });
          }
          return Continue;
        },
      }),
      phase<S>({
        name: 'after',
        async execute() {
          return Continue;
        },
      }),
    ],
  });

describe('pause', () => {
  it('is honoured at the next checkInterrupt, checkpointed, and resumed in process without repeating work', async () => {
    const gates = Array.from({ length: 10 }, () => deferred());
    const def = loopJob(10, (i) => gates[i].promise);
    const store = new MemoryStore();
    const run = runJob(def, { n: 10 }, { store });
    gates[0].resolve();
    gates[1].resolve();
    await flush();
    const paused = run.pause();
    gates[2].resolve();
    await paused;
    expect(run.position).toEqual({ phase: 'work', step: 'paused' });
    expect((await store.load(run.id))?.record.status).toBe('paused');
    expect(run.context.history[0].status).toBe('paused');
    run.resume();
    for (const g of gates) g.resolve();
    const result = await run.result;
    expect(result.status).toBe('completed');
    expect((result.output as S).done).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(result.history[0].attempts).toBe(1);
  });

  it('is resumed from the store by resumeJob, in a new runtime, going on from the cursor', async () => {
    const dir = tempDir();
    const store = new SqliteStore(path.join(dir, 'jobs.db'));
    const gates = Array.from({ length: 6 }, () => deferred());
    const first = runJob(
      loopJob(6, (i) => gates[i].promise),
      { n: 6 },
      { store },
    );
    gates[0].resolve();
    gates[1].resolve();
    await flush();
    const paused = first.pause();
    gates[2].resolve();
    await paused;
    first.stop();
    const seen: number[] = [];
    const second = await resumeJob(
      loopJob(6, async (i) => void seen.push(i)),
      first.id,
      { store },
    );
    const result = await second.result;
    expect(result.status).toBe('completed');
    expect(seen).toEqual([3, 4, 5]);
    expect((result.output as S).done).toEqual([0, 1, 2, 3, 4, 5]);
    expect((await store.load(first.id))?.record.status).toBe('completed');
    store.close();
  });

  it('for a phase that never checks, takes effect at the next boundary', async () => {
    const gate = deferred();
    const ran: string[] = [];
    const def = defineJob({
      name: 'nocheck',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({
          name: 'a',
          async execute() {
            ran.push('a');
            await gate.promise;
            return Continue;
          },
        }),
        phase({
          name: 'b',
          async execute() {
            ran.push('b');
            return Continue;
          },
        }),
      ],
    });
    const store = new MemoryStore();
    const run = runJob(def, {}, { store });
    await flush();
    const paused = run.pause();
    gate.resolve();
    await paused;
    expect(run.position).toEqual({ phase: 'b', step: 'paused' });
    expect(ran).toEqual(['a']);
    expect(run.context.history.map((h) => h.status)).toEqual(['completed', 'paused']);
    const resumed = await resumeJob(def, run.id, { store });
    expect((await resumed.result).status).toBe('completed');
    expect(ran).toEqual(['a', 'b']);
  });

  it('PausedError thrown by the phase pauses the job', async () => {
    let first = true;
    const def = defineJob({
      name: 'selfpause',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({
          name: 'a',
          async execute() {
            if (first) {
              first = false;
              throw new PausedError('waiting for the disk');
            }
            return Continue;
          },
        }),
      ],
    });
    const run = runJob(def, {});
    await flush();
    expect(run.position.step).toBe('paused');
    run.resume();
    expect((await run.result).status).toBe('completed');
  });

  it('resume before the pause is honoured withdraws it', async () => {
    const gate = deferred();
    const def = loopJob(3, () => gate.promise);
    const run = runJob(def, { n: 3 });
    await flush();
    run.actor.send({ type: 'PAUSE' });
    expect(run.context.interrupt).toBe('pause');
    run.resume();
    expect(run.context.interrupt).toBe(null);
    gate.resolve();
    expect((await run.result).status).toBe('completed');
  });
});
