import { describe, expect, it } from 'vitest';
import { Continue, defineJob, MemoryStore, phase, type RecoveryPolicy, runJob } from '../../../src/index.js';

/** A store whose saves fail while `fails(meta)` says so. */
function failingStore(fails: (meta: { phase: string | null; status: string }) => boolean) {
  const store = new MemoryStore();
  const save = store.save.bind(store);
  store.save = async (id, bytes, meta, opts) => {
    if (fails(meta)) throw new Error('disk full');
    return save(id, bytes, meta, opts);
  };
  return store;
}

type S = { scanned: string[]; copied: number };

/** a scans, b copies what a scanned (with `recovery`), c reports: the log says which code ran. */
function twoStep(recovery: RecoveryPolicy, ran: string[]) {
  return defineJob({
    name: 'boundary',
    version: 1,
    initialState: (): S => ({ scanned: [], copied: 0 }),
    output: (s: S) => s,
    phases: [
      phase<S>({
        name: 'a',
        async execute(ctx) {
          ran.push('a');
          ctx.state.scanned.push('x', 'y');
          return Continue;
        },
      }),
      phase<S>({
        name: 'b',
        recovery,
        async execute(ctx) {
          ran.push(`b${ctx.attempt}`);
          ctx.state.copied = ctx.state.scanned.length;
          return Continue;
        },
        async onFailure() {
          ran.push('b.onFailure');
        },
      }),
      phase<S>({
        name: 'c',
        async execute() {
          ran.push('c');
          return Continue;
        },
      }),
    ],
  });
}

const policies: [string, RecoveryPolicy][] = [
  ['abort', { strategy: 'abort' }],
  ['skip-phase', { strategy: 'skip-phase' }],
  ['restart-phase', { strategy: 'restart-phase', maxAttempts: 3, backoff: { initialMs: 0 } }],
  ['retry-from-checkpoint', { strategy: 'retry-from-checkpoint', maxAttempts: 3, backoff: { initialMs: 0 } }],
];

describe('a boundary checkpoint that cannot be written', () => {
  it.each(policies)(
    'fails the job, not the phase, whatever its recovery (%s): no phase is skipped or rewound',
    async (_, recovery) => {
      const ran: string[] = [];
      let failed = false;
      // Only b's boundary checkpoint fails, once: the final checkpoint of the failed job is written.
      const store = failingStore((meta) => {
        if (failed || meta.phase !== 'b' || meta.status !== 'running') return false;
        failed = true;
        return true;
      });
      const run = runJob(twoStep(recovery, ran), {}, { store, jobId: 'j' });
      const result = await run.result;
      expect(result.status).toBe('failed');
      expect(result.failure).toMatchObject({ kind: 'fatal', message: 'disk full', phase: 'b' });
      // b's code never ran, nor its cleanup or anything after it; a's work is kept.
      expect(ran).toEqual(['a']);
      expect(run.state).toEqual({ scanned: ['x', 'y'], copied: 0 });
      expect(result.history.map((h) => `${h.phase}:${h.status}/${h.attempts}`)).toEqual([
        'a:completed/1',
        'b:failed/1',
        'c:pending/0',
      ]);
      expect((await store.load('j'))!.record).toMatchObject({ status: 'failed', error: 'disk full' });
    },
  );

  it.each(policies)(
    'because the state cannot be encoded fails the job with SnapshotEncodeError, as documented (%s)',
    async (_, recovery) => {
      const ran: string[] = [];
      const store = new MemoryStore();
      const job = defineJob({
        name: 'unencodable',
        version: 1,
        initialState: () => ({ n: 0 }) as { n: number; cb?: () => number },
        output: (s) => ({ n: s.n }),
        phases: [
          phase({
            name: 'a',
            async execute(ctx) {
              ran.push('a');
              ctx.state.cb = () => 1;
              return Continue;
            },
          }),
          phase({
            name: 'b',
            recovery,
            async execute(ctx) {
              ran.push('b');
              ctx.state.n++;
              return Continue;
            },
          }),
          phase({
            name: 'c',
            async execute() {
              ran.push('c');
              return Continue;
            },
          }),
        ],
      });
      const result = await runJob(job, {}, { store, jobId: 'e' }).result;
      expect(result.status).toBe('failed');
      expect(result.failure).toMatchObject({ name: 'SnapshotEncodeError', phase: 'b' });
      expect(result.failure?.message).toContain('state.cb is a function');
      expect(ran).toEqual(['a']);
      expect(result.history[1]).toMatchObject({ status: 'failed', attempts: 1 });
      // The failure is recorded in the store, without the state.
      expect((await store.load('e'))!.record).toMatchObject({ status: 'failed' });
    },
  );
});

describe('retry-from-checkpoint without boundary checkpoints', () => {
  it("starts the retry from the phase's own start, not from an earlier phase's checkpoint", async () => {
    const job = defineJob({
      name: 'noBoundaries',
      version: 1,
      initialState: () => ({ a: 0, b: 0 }),
      output: (s) => s,
      phases: [
        phase({
          name: 'a',
          async execute(ctx) {
            ctx.state.a = 1;
            await ctx.checkpoint({ force: true });
            ctx.state.a = 2;
            return Continue;
          },
        }),
        phase({
          name: 'b',
          recovery: { strategy: 'retry-from-checkpoint', maxAttempts: 3, backoff: { initialMs: 0 } },
          async execute(ctx) {
            ctx.state.b++;
            if (ctx.attempt === 1) throw new Error('flaky');
            return Continue;
          },
        }),
      ],
    });
    const result = await runJob(job, {}, { store: new MemoryStore(), boundaryCheckpoints: false }).result;
    expect(result.status).toBe('completed');
    // a's last change kept; b's first attempt undone.
    expect(result.output).toEqual({ a: 2, b: 1 });
    expect(result.history[1]).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it("starts the retry from the phase's own last checkpoint when it wrote one", async () => {
    const job = defineJob({
      name: 'ownCheckpoint',
      version: 1,
      initialState: () => ({ a: 0, log: [] as string[] }),
      output: (s) => s,
      phases: [
        phase({
          name: 'a',
          async execute(ctx) {
            ctx.state.a = 1;
            await ctx.checkpoint({ force: true });
            ctx.state.a = 2;
            return Continue;
          },
        }),
        phase({
          name: 'b',
          recovery: { strategy: 'retry-from-checkpoint', maxAttempts: 3, backoff: { initialMs: 0 } },
          async execute(ctx) {
            if (ctx.state.log.length === 0) {
              ctx.state.log.push('saved');
              await ctx.checkpoint({ force: true });
            }
            ctx.state.log.push(`attempt ${ctx.attempt}`);
            if (ctx.attempt === 1) throw new Error('flaky');
            return Continue;
          },
        }),
      ],
    });
    const result = await runJob(job, {}, { store: new MemoryStore(), boundaryCheckpoints: false }).result;
    expect(result.output).toEqual({ a: 2, log: ['saved', 'attempt 2'] });
  });
});
