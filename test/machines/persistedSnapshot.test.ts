import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { persistedSnapshot } from '../../src/machines/persistedSnapshot.js';
import {
  Continue,
  defineJob,
  FatalError,
  NonFatalError,
  PausedError,
  phase,
  runJob,
} from '../../src/index.js';
import { flush } from './helpers.js';

/**
 * Key for key, in order (MessagePack keeps the order of a map's keys, and `undefined` as nil): what XState's own
 * `getPersistedSnapshot` gives, with the same history and error arrays.
 */
function expectSameAsXState(actor: { getPersistedSnapshot(): unknown }) {
  const mine = persistedSnapshot(actor as never) as { context: { history: unknown; errors: unknown } };
  const theirs = actor.getPersistedSnapshot() as { context: { history: unknown; errors: unknown } };
  expect(Buffer.from(encode(mine)).toString('hex')).toBe(Buffer.from(encode(theirs)).toString('hex'));
  expect(mine).toEqual(theirs);
  expect(mine.context.history).toBe(theirs.context.history);
  expect(mine.context.errors).toBe(theirs.context.errors);
}

/** Follow every snapshot of the run, comparing each. */
function everySnapshot(run: {
  actor: { subscribe(f: () => void): unknown; getPersistedSnapshot(): unknown };
}) {
  let seen = 0;
  run.actor.subscribe(() => {
    seen++;
    expectSameAsXState(run.actor);
  });
  return () => seen;
}

describe('persistedSnapshot', () => {
  it("equals XState's persisted snapshot in every state a job goes through", async () => {
    let pauseOnce = true;
    const def = defineJob<{ n: number }, { tag: string; deep: { list: number[] } }>({
      name: 'persisted',
      version: 1,
      initialState: () => ({ n: 0 }),
      phases: [
        phase({ name: 'a', execute: async () => Continue }),
        phase({
          name: 'b',
          async execute() {
            if (pauseOnce) {
              pauseOnce = false;
              throw new PausedError('later');
            }
            throw new NonFatalError('not this one');
          },
          recovery: { strategy: 'skip-phase' },
        }),
        phase({ name: 'c', execute: async () => Continue }),
      ],
      output: (s) => s.n,
    });
    const run = runJob(def, { tag: 'x', deep: { list: [1, 2] } });
    const seen = everySnapshot(run);
    await flush();
    expect(run.position.step).toBe('paused');
    expectSameAsXState(run.actor);
    run.resume();
    const result = await run.result;
    expect(result.status).toBe('completed');
    expectSameAsXState(run.actor);
    expect(seen()).toBeGreaterThan(5);
  });

  it('equals it for a failed job (failure and errors in the context, an output)', async () => {
    const def = defineJob({
      name: 'persisted-failing',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({
          name: 'a',
          async execute() {
            throw new FatalError('no');
          },
        }),
      ],
    });
    const run = runJob(def, {});
    const seen = everySnapshot(run);
    const result = await run.result;
    expect(result.status).toBe('failed');
    expectSameAsXState(run.actor);
    expect(seen()).toBeGreaterThan(1);
  });

  it('leaves a context holding an actor reference to XState (which persists a copy)', () => {
    const ref = { sessionId: 'x:1', send() {}, ref: {}, id: 'child' };
    const snapshot = {
      status: 'active',
      value: 'a',
      historyValue: {},
      context: { history: [], errors: [], input: { nested: [ref] } },
      children: {},
    };
    let calls = 0;
    const actor = {
      logic: {
        // As XState does: the context copied, the actor reference replaced (here: the whole input).
        getPersistedSnapshot: (s: { context: object }) => {
          calls++;
          return { status: 'active', context: { ...s.context, input: 'persisted by XState' } };
        },
      },
      getSnapshot: () => snapshot,
      getPersistedSnapshot: () => {
        throw new Error('not called: the context is handed to the logic without its lists');
      },
    };
    const out = persistedSnapshot(actor as never) as { context: { input: unknown; history: unknown } };
    expect(calls).toBe(1);
    expect(out.context.input).toBe('persisted by XState');
    expect(out.context.history).toBe(snapshot.context.history);
  });
});
