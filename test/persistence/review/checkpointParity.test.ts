import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { tempDir } from '../../machines/helpers.js';

/**
 * End to end, the new core (memoized encoding, list memos by job id, persistedSnapshot, straight transitions)
 * must write the very checkpoint bytes the old core wrote: one MessagePack encoder over the body, XState's own
 * getPersistedSnapshot, and every continue going through `succeeding` and `entering`. The old core is loaded as
 * a fresh module graph (a fresh process: no memos) with those three modules swapped back; the new core runs in
 * a process whose memos were filled by another job with the same id in another store, running at the same time.
 */
const src = path.resolve(__dirname, '../../../src');
const mod = (p: string) => path.join(src, p);

type Core = typeof import('../../../src/index.js') & {
  SqliteStore: typeof import('../../../src/persistence/stores/SqliteStore.js').SqliteStore;
};

async function loadCore(old: boolean): Promise<Core> {
  vi.resetModules();
  if (old) {
    vi.doMock(mod('persistence/encodeBody.ts'), async () => {
      const { Encoder } = await import('@msgpack/msgpack');
      const { stateCodec } = await import(mod('persistence/stateCodec.ts'));
      const encoder = new Encoder({ ignoreUndefined: true, extensionCodec: stateCodec, maxDepth: 1000 });
      const encodeBody = (body: unknown) => encoder.encode(body);
      return {
        MAX_DEPTH: 1000,
        encodeBody,
        encodeBodyWith: (body: unknown, head: (b: Uint8Array) => Uint8Array) => {
          const bytes = encodeBody(body);
          const prefix = head(bytes);
          const out = new Uint8Array(prefix.length + bytes.length);
          out.set(prefix);
          out.set(bytes, prefix.length);
          return out;
        },
        // The old core kept no list memos: nothing to forget.
        forgetLists: () => {},
      };
    });
    vi.doMock(mod('machines/persistedSnapshot.ts'), () => ({
      persistedSnapshot: (job: { getPersistedSnapshot(): unknown }) => job.getPersistedSnapshot(),
    }));
    vi.doMock(mod('machines/compileJob.ts'), async (importOriginal) => {
      const actual = (await importOriginal()) as Record<string, unknown>;
      const built = new WeakMap<object, unknown>();
      const stepByStep = actual.compileJobStepByStep as (d: object) => unknown;
      return {
        ...actual,
        compileJob: (d: object) => {
          if (!built.has(d)) built.set(d, stepByStep(d));
          return built.get(d);
        },
      };
    });
  } else {
    vi.doUnmock(mod('persistence/encodeBody.ts'));
    vi.doUnmock(mod('machines/persistedSnapshot.ts'));
    vi.doUnmock(mod('machines/compileJob.ts'));
  }
  const core = await import('../../../src/index.js');
  const { SqliteStore } = await import('../../../src/persistence/stores/SqliteStore.js');
  return { ...core, SqliteStore } as Core;
}

interface Input {
  readonly c: boolean;
  readonly tag: string;
}

/** A clock the phases move; short timers (progress, backoff) fire soon, long ones (lease renewal) never. */
function manualClock() {
  const clock = {
    t: 1_000,
    now: () => clock.t,
    setTimeout: (fn: () => void, ms: number) => (ms < 1000 ? setTimeout(fn, 0) : null),
    clearTimeout: (h: unknown) => {
      if (h) clearTimeout(h as NodeJS.Timeout);
    },
  };
  return clock;
}

/** A job that touches every edge: non-fatal errors, a retry, `when`, a group, a hook, skipTo, a migration. */
function makeJob(core: Core, clock: ReturnType<typeof manualClock>, version: 1 | 2, onA: () => void) {
  const b = version === 1 ? 'b' : 'b2';
  return core.defineJob({
    name: 'parity',
    version,
    initialState: (input: Input) => ({ n: 0, tag: input.tag, log: [] as string[] }),
    output: (s: { n: number; tag: string; log: string[] }) => s.n,
    ...(version === 2
      ? { migrations: { 1: (c: Parameters<typeof core.renamePhase>[0]) => core.renamePhase(c, 'b', 'b2') } }
      : {}),
    phases: [
      core.phase({
        name: 'a',
        execute: async (ctx) => {
          clock.t += 7;
          ctx.state.n++;
          ctx.addNonFatalError(new Error(`first é \ud800 ${ctx.input.tag}`), { path: '/x/é', n: -0.5 });
          try {
            await ctx.checkpoint({ force: true });
          } catch (error) {
            // An app that goes on when a checkpoint could not be written: the next one must hold everything.
            ctx.state.log.push(String(error));
          }
          clock.t += 1;
          ctx.addNonFatalError(new Error('second'), { big: 2 ** 60, neg: -(2 ** 40), nan: Number.NaN });
          onA();
          return core.Continue;
        },
      }),
      core.phase({
        name: b,
        recovery: { strategy: 'restart-phase', maxAttempts: 3, backoff: { initialMs: 20 } },
        execute: async (ctx) => {
          clock.t += 11;
          ctx.state.n += 10;
          if (ctx.attempt < 2) throw new Error('flaky');
          return core.Continue;
        },
      }),
      core.phase({
        name: 'c',
        when: (input: Input) => input.c,
        execute: async (ctx) => {
          clock.t += 13;
          ctx.state.n += 100;
          return core.Continue;
        },
      }),
      core.group('g', [
        core.phase({
          name: 'd',
          execute: async () => {
            clock.t += 3;
            throw new core.NonFatalError('d had trouble', { details: { big: 2 ** 60, f: 1.5 } });
          },
        }),
        core.phase({
          name: 'e',
          execute: async () => {
            clock.t += 5;
            return core.Continue;
          },
          onSuccess: async (ctx) => {
            ctx.state.log.push('e ok');
          },
        }),
      ]),
      core.phase({ name: 'f', skipsTo: ['h'], execute: async () => core.skipTo<'h'>('h') }),
      core.phase({ name: 'g2', execute: async () => core.Continue }),
      core.phase({
        name: 'h',
        execute: async (ctx) => {
          clock.t += 17;
          ctx.state.n += 1000;
          return core.Continue;
        },
      }),
    ],
  });
}

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

/** Which saves (counted from 1) fail, and how; and whether the job is paused at b's boundary. */
interface Plan {
  readonly busyAt?: readonly number[];
  readonly failAt?: readonly number[];
  readonly lostAt?: readonly number[];
  readonly pause?: boolean;
}

/**
 * Run the job: saves failing as `plan` says; paused (asked while `a` completes, so it stands at b's boundary)
 * or stopped by a lost lease; then resumed under version 2 (a migration renames b) by a new runtime. Returns
 * every checkpoint the store took, and the result.
 */
async function scenario(core: Core, file: string, input: Input, plan: Plan) {
  const clock = manualClock();
  const saved: Uint8Array[] = [];
  let saves = 0;
  let storeTime = 1_000;
  class RecordingStore extends core.SqliteStore {
    override async save(...args: Parameters<InstanceType<Core['SqliteStore']>['save']>) {
      saves++;
      if (plan.busyAt?.includes(saves)) throw busy();
      if (plan.failAt?.includes(saves)) throw new Error('disk full');
      if (plan.lostAt?.includes(saves)) throw new core.LeaseLostError(args[0], args[3]?.fence ?? 0);
      await super.save(...args);
      saved.push(args[1].slice());
    }
  }
  const store = new RecordingStore(file, { now: () => storeTime });
  let run: ReturnType<typeof core.runJob> | undefined;
  let paused!: (p: Promise<void>) => void;
  const pausing = new Promise<Promise<void>>((resolve) => {
    paused = resolve;
  });
  const v1 = makeJob(core, clock, 1, () => (plan.pause ? paused(run!.pause()) : undefined));
  // What the Stately inspector is told about the job actor: its events and its snapshots.
  const seen: unknown[] = [];
  const inspect = (e: InspectionEvent) => {
    if ((e.actorRef as { id?: string }).id !== 'same-id') return;
    if (e.type === '@xstate.event') seen.push(['event', e.event.type]);
    if (e.type === '@xstate.snapshot') {
      const snap = e.snapshot as unknown as { value: unknown; status: string; context: unknown };
      seen.push(['snapshot', snap.status, snap.value, snap.context]);
    }
  };
  run = core.runJob(v1, input, { store, clock, jobId: 'same-id', progressIntervalMs: 50, inspect });
  if (plan.pause) {
    await await pausing;
    await run.stop();
  } else {
    expect(await run.result).toMatchObject({ status: 'interrupted', reason: 'lease-lost' });
    // The lost lease is still on record: let it lapse.
    storeTime += 100_000;
  }
  const v2 = makeJob(core, clock, 2, () => {});
  const resumed = await core.resumeJob(v2, 'same-id', { store, clock, inspect });
  const result = await resumed.result;
  store.close?.();
  return { saved, result, seen };
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('checkpoint bytes of the new core', () => {
  const plans: [string, Plan][] = [
    ['paused at a boundary, a busy save', { busyAt: [3], pause: true }],
    ['a save that failed inside a phase, then a lost lease', { failAt: [2], lostAt: [5] }],
  ];
  it.each(plans)(
    'are those of the old core, whatever else this process encoded for the same job id: %s',
    async (_, plan) => {
      const dir = tempDir();
      const old = await loadCore(true);
      const expected = await scenario(old, path.join(dir, 'old.db'), { c: true, tag: 'main' }, plan);
      expect(expected.result.status).toBe('completed');
      expect(expected.saved.length).toBeGreaterThan(8);

      const now = await loadCore(false);
      // Another job with the same id, in another store, at the same time: its lists fill the same memo slots.
      const other = scenario(
        now,
        path.join(dir, 'other.db'),
        { c: false, tag: 'other' },
        { busyAt: [2, 5], pause: true },
      );
      const actual = await scenario(now, path.join(dir, 'new.db'), { c: true, tag: 'main' }, plan);
      await other;
      // And once more in the same process, after both: the memos now hold this very job's last lists.
      const again = await scenario(now, path.join(dir, 'again.db'), { c: true, tag: 'main' }, plan);

      expect(actual.result).toEqual(expected.result);
      // The inspector sees the same events and snapshots (only its microsteps are fewer).
      expect(expected.seen.length).toBeGreaterThan(20);
      expect(actual.seen).toEqual(expected.seen);
      expect(actual.saved.map(hex)).toEqual(expected.saved.map(hex));
      expect(again.saved.map(hex)).toEqual(expected.saved.map(hex));
    },
  );
});
