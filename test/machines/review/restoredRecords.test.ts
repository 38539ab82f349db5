import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Continue,
  defineJob,
  type ErrorRecord,
  type PhaseExecution,
  phase,
  resumeJob,
  runJob,
} from '../../../src/index.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { tempDir } from '../helpers.js';

interface State {
  n: number;
  first?: ErrorRecord & { seen?: boolean };
  entry?: PhaseExecution & { note?: string };
}

const v1 = defineJob({
  name: 'kept',
  version: 1,
  initialState: (): State => ({ n: 0 }),
  phases: [
    phase({
      name: 'a',
      async execute(ctx) {
        ctx.addNonFatalError(new Error('odd file'), { path: '/x' });
        await ctx.checkpoint({ force: true });
        await new Promise(() => {});
        return Continue;
      },
    }),
    phase({ name: 'b', execute: async () => Continue }),
  ],
});

/** v2's migration keeps, in the state, the very records it read from the checkpoint; phase a updates them. */
const v2 = defineJob({
  name: 'kept',
  version: 2,
  initialState: (): State => ({ n: 0 }),
  migrations: {
    1: (c) => ({
      ...c,
      state: { ...(c.state as State), first: c.errors[0], entry: c.history[0] },
    }),
  },
  phases: [
    phase({
      name: 'a',
      async execute(ctx) {
        const state = ctx.state as State;
        state.first!.seen = true;
        state.entry!.note = 'migrated';
        state.n++;
        return Continue;
      },
    }),
    phase({ name: 'b', execute: async () => Continue }),
  ],
});

describe('records restored from a checkpoint', () => {
  it("are frozen as copies: the records a migration put in the state are still the state's to change", async () => {
    const store = new SqliteStore(path.join(tempDir(), 'jobs.db'));
    const run = runJob(v1, undefined, { store, jobId: 'kept-1' });
    await new Promise<void>((resolve) => {
      let sawError = false;
      const sub = run.events$.subscribe((e) => {
        if (e.type === 'nonFatalError') sawError = true;
        // The checkpoint written after the non-fatal error holds it.
        if (e.type === 'checkpointed' && sawError) {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    await run.stop();

    const resumed = await resumeJob(v2, 'kept-1', { store });
    const result = await resumed.result;
    expect(result.failure ?? null).toBeNull();
    expect(result.status).toBe('completed');
    expect(result.errors.map((e) => e.message)).toEqual(['odd file']);
    // What the job keeps is frozen all the same (its bytes are encoded once).
    expect(result.errors.every((e) => Object.isFrozen(e))).toBe(true);
    expect(result.history.every((e) => Object.isFrozen(e))).toBe(true);
    store.close();
  });
});
