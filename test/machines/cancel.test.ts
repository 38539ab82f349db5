import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  Continue,
  defineJob,
  MemoryStore,
  phase,
  runJob,
  resumeJob,
} from '../../src/index.js';
import { deferred, flush } from './helpers.js';

describe('cancel', () => {
  it('aborts the signal, runs onFailure as cleanup, and ends cancelled', async () => {
    const cleanup: string[] = [];
    let sawAbort = false;
    const def = defineJob({
      name: 'cancellable',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({
          name: 'a',
          async execute(ctx) {
            await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
            sawAbort = true;
            ctx.checkInterrupt();
            return Continue;
          },
          async onFailure(_ctx, error) {
            cleanup.push(`${error.name}:${error.kind}`);
          },
        }),
        phase({
          name: 'b',
          async execute() {
            return Continue;
          },
        }),
      ],
    });
    const store = new MemoryStore();
    const run = runJob(def, {}, { store });
    await flush();
    run.cancel();
    const result = await run.result;
    expect(sawAbort).toBe(true);
    expect(result.status).toBe('cancelled');
    expect(cleanup).toEqual(['CancelledError:cancelled']);
    expect(result.history.map((h) => h.status)).toEqual(['failed', 'pending']);
    expect((await store.load(run.id))?.record.status).toBe('cancelled');
    // A finished job resumed gives its result back and runs nothing.
    const again = await resumeJob(def, run.id, { store });
    expect((await again.result).status).toBe('cancelled');
  });

  it('a phase that ignores the request is cancelled at the next boundary', async () => {
    const gate = deferred();
    const ran: string[] = [];
    const def = defineJob({
      name: 'stubborn',
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
    const run = runJob(def, {});
    await flush();
    run.cancel();
    gate.resolve();
    const result = await run.result;
    expect(result.status).toBe('cancelled');
    expect(ran).toEqual(['a']);
  });

  it('CancelledError thrown by a phase cancels; a paused job can be cancelled', async () => {
    const def = defineJob({
      name: 'selfcancel',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({
          name: 'a',
          async execute() {
            throw new CancelledError();
          },
        }),
      ],
    });
    expect((await runJob(def, {}).result).status).toBe('cancelled');

    const gate = deferred();
    const def2 = defineJob({
      name: 'pausedcancel',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({
          name: 'a',
          async execute(ctx) {
            await gate.promise;
            ctx.checkInterrupt();
            return Continue;
          },
        }),
      ],
    });
    const run = runJob(def2, {});
    await flush();
    const paused = run.pause();
    gate.resolve();
    await paused;
    run.cancel();
    expect((await run.result).status).toBe('cancelled');
  });
});
