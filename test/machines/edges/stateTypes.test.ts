import { describe, expect, it } from 'vitest';
import {
  Continue,
  decodeEnvelope,
  defineJob,
  encodeEnvelope,
  MemoryStore,
  phase,
  resumeJob,
  runJob,
  SnapshotEncodeError,
} from '../../../src/index.js';
import { makeEnvelope } from '../../persistence/makeEnvelope.js';

const rich = () => ({
  cache: new Map<unknown, unknown>([
    ['x', { seen: new Set(['a', 'b']) }],
    [7, [1n, new Date(1_700_000_000_123)]],
  ]),
  tags: new Set([1, 'two', 3n]),
  when: new Date(0),
  big: 2n ** 70n,
  floats: new Float64Array([0.5, -1.25, Number.MAX_VALUE]),
  ints: new Int32Array([-1, 2, -3]),
  words: new Uint16Array([65535, 1]),
  bytes: new Uint8Array([1, 2, 3]),
  view: new DataView(new Uint8Array([9, 8, 7]).buffer),
  nested: { deep: new Map([['k', new Map([['kk', 1]])]]) },
});

describe('state a checkpoint can hold', () => {
  it('round-trips Map, Set, Date, BigInt and typed arrays exactly', () => {
    const state = rich();
    const bytes = encodeEnvelope(makeEnvelope({ state }));
    const back = decodeEnvelope<ReturnType<typeof rich>>(bytes, { name: 'indexer', version: 1 }).state;
    expect(back).toStrictEqual(state);
    expect(back.cache).toBeInstanceOf(Map);
    expect(back.cache.get('x')).toEqual({ seen: new Set(['a', 'b']) });
    expect(back.floats).toBeInstanceOf(Float64Array);
    expect(Array.from(back.floats)).toEqual([0.5, -1.25, Number.MAX_VALUE]);
    expect(back.big).toBe(2n ** 70n);
    expect(back.view).toBeInstanceOf(DataView);
  });

  it('survives a pause and resume of a job holding them', async () => {
    const store = new MemoryStore();
    const job = defineJob({
      name: 'rich',
      version: 1,
      initialState: () => ({ ...rich(), steps: 0 }),
      phases: [
        phase({
          name: 'work',
          async execute(ctx) {
            while (ctx.state.steps < 2) {
              ctx.state.steps++;
              ctx.state.cache.set(`step${ctx.state.steps}`, ctx.state.steps);
              await ctx.checkpoint({ force: true });
              ctx.checkInterrupt();
            }
            return Continue;
          },
        }),
      ],
    });
    const run = runJob(job, {}, { store, jobId: 'r1' });
    await run.pause();
    const again = await resumeJob(job, 'r1', { store });
    const result = await again.result;
    expect(result.status).toBe('completed');
    const out = result.output as ReturnType<typeof rich> & { steps: number };
    expect(out.cache).toBeInstanceOf(Map);
    expect(out.cache.get('step1')).toBe(1);
    expect(out.tags).toEqual(new Set([1, 'two', 3n]));
  });

  it.each([
    ['a function', () => ({ cache: new Map([['x', () => 1]]) }), 'state.cache.get("x") is a function'],
    [
      'a class instance',
      () => ({ list: [1, new (class Thing {})()] }),
      'state.list[1] is an instance of Thing',
    ],
    [
      'a cycle',
      () => {
        const a: Record<string, unknown> = { name: 'a' };
        a.self = { back: a };
        return { a };
      },
      'state.a.self.back is a reference back',
    ],
  ])('fails the job, as data, naming the path of %s', async (_, initialState, message) => {
    const job = defineJob({
      name: 'bad',
      version: 1,
      initialState,
      phases: [phase({ name: 'work', execute: async () => Continue })],
    });
    const store = new MemoryStore();
    const result = await runJob(job, {}, { store, jobId: 'b1' }).result;
    expect(result.status).toBe('failed');
    expect(result.failure?.name).toBe('SnapshotEncodeError');
    expect(result.failure?.message).toContain(message);
    // The failure itself is recorded in the store, though the state could not be.
    expect((await store.load('b1'))!.record).toMatchObject({ status: 'failed' });
    expect(() => encodeEnvelope(makeEnvelope({ state: initialState() }))).toThrow(SnapshotEncodeError);
  });

  it('fails a job whose pause checkpoint cannot be encoded instead of leaving it hanging', async () => {
    const job = defineJob({
      name: 'late',
      version: 1,
      initialState: () => ({ f: null as unknown, n: 0 }),
      phases: [
        phase({
          name: 'work',
          async execute(ctx) {
            for (;;) {
              ctx.state.n++;
              if (ctx.state.n === 3) ctx.state.f = () => 0;
              await new Promise((resolve) => setImmediate(resolve));
              ctx.checkInterrupt();
            }
          },
        }),
      ],
    });
    const run = runJob(job, {}, { boundaryCheckpoints: false });
    while (((run.state as { n?: number } | undefined)?.n ?? 0) < 3) await new Promise((r) => setImmediate(r));
    await run.pause().catch(() => {});
    const result = await run.result;
    expect(result.status).toBe('failed');
    expect(result.failure?.message).toContain('state.f is a function');
  });
});
