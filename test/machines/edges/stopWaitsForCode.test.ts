import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Continue,
  defineJob,
  type JobMeta,
  JobLockedError,
  MemoryStore,
  phase,
  resumeJob,
  runJob,
  type SaveOptions,
  type SnapshotStore,
} from '../../../src/index.js';
import { SqliteStore } from '../../../src/sqlite.js';
import { TestClock } from '../../../src/testing/index.js';
import { deferred, flush, tempDir } from '../helpers.js';

/** Another owner: another host, so only its lease (not a pid) says whether it is alive. */
const OTHER = { workerId: 'elsewhere:1:test', pid: 1, host: 'elsewhere' };

/** A gate the test opens once; open, it lets every later unit through at once. */
function holdOpen() {
  const gate = deferred();
  const hold = {
    waiting: gate.promise as Promise<void> | undefined,
    open() {
      hold.waiting = undefined;
      gate.resolve();
    },
  };
  return hold;
}

/**
 * A phase that does a unit of work the test holds open (an `await` not given `ctx.signal`, as a copy of a large
 * file is), checkpointing after each unit. `log` records when each run's unit starts and ends.
 */
function heldJob(log: string[], hold: { waiting?: Promise<void> }) {
  let calls = 0;
  return defineJob({
    name: 'held',
    version: 1,
    initialState: () => ({ next: 0 }),
    phases: [
      phase<{ next: number }>({
        name: 'work',
        async execute(ctx) {
          const me = calls++ === 0 ? 'run' : 'again';
          while (ctx.state.next < 3) {
            ctx.checkInterrupt();
            log.push(`${me} starts unit ${ctx.state.next}`);
            if (ctx.state.next === 1 && hold.waiting) await hold.waiting;
            log.push(`${me} ends unit ${ctx.state.next}`);
            ctx.state.next++;
            await ctx.checkpoint({ force: true });
          }
          return Continue;
        },
      }),
    ],
  });
}

/** Phases `a` then `b`; b logs as the run `label()` names, and the first b waits at `gate` (ignoring its signal). */
function twoPhases(log: string[], gate: Promise<void>, label: () => string = () => 'b') {
  let calls = 0;
  return defineJob({
    name: 'boundary',
    version: 1,
    initialState: () => ({}),
    phases: [
      phase({ name: 'a', execute: async () => Continue }),
      phase({
        name: 'b',
        async execute(ctx) {
          const me = label();
          log.push(`${me} starts (stopped: ${ctx.signal.aborted})`);
          if (calls++ === 0) await gate;
          log.push(`${me} ends`);
          return Continue;
        },
      }),
    ],
  });
}

/** A store whose boundary checkpoint of phase `b` is held in flight until the test lets it land. */
class HeldStore extends MemoryStore {
  hold = deferred();
  held = deferred();
  override async save(jobId: string, bytes: Uint8Array, meta: JobMeta, opts?: SaveOptions): Promise<void> {
    if (meta.phase === 'b' && meta.status === 'running') {
      this.held.resolve();
      await this.hold.promise;
    }
    return super.save(jobId, bytes, meta, opts);
  }
}

/** Resolves when `log` has an entry matching `text` (polling the event loop). */
async function until(log: string[], text: string) {
  for (let i = 0; i < 1000 && !log.includes(text); i++) await flush(1);
  expect(log).toContain(text);
}

/** What another owner's acquire of `jobId` meets: 'free' or the error's name. */
const tryOther = (store: SnapshotStore, jobId: string, leaseMs = 10_000) =>
  store.acquire!(jobId, OTHER, { leaseMs }).then(
    () => 'free',
    (e: Error) => e.name,
  );

describe('stop() while the phase’s code is still running', () => {
  it('keeps the lease until that code returns: another owner is refused meanwhile, result settles after it', async () => {
    const store = new MemoryStore();
    const log: string[] = [];
    const hold = holdOpen();
    const run = runJob(heldJob(log, hold), {}, { store, jobId: 'held-1' });
    await until(log, 'run starts unit 1');
    let settled = false;
    void run.result.then(() => {
      settled = true;
    });
    await run.stop(); // resolves: nothing was being written
    await flush(10);
    // The unit is still running: the job is not free, and the run has not ended.
    expect(settled).toBe(false);
    await expect(store.acquire('held-1', OTHER, { leaseMs: 10_000 })).rejects.toBeInstanceOf(JobLockedError);
    hold.open();
    const result = await run.result;
    expect(result.status).toBe('interrupted');
    // The unit ended, its checkpoint threw (the run had stopped): nothing after it ran, and the job is free.
    expect(log).toEqual(['run starts unit 0', 'run ends unit 0', 'run starts unit 1', 'run ends unit 1']);
    const lease = await store.acquire('held-1', OTHER, { leaseMs: 10_000 });
    expect(lease.fence).toBeGreaterThan(0);
  });

  it('a resumeJob in this process right after stop() waits for that code: no unit runs twice at once', async () => {
    const store = new MemoryStore();
    const log: string[] = [];
    const hold = holdOpen();
    const job = heldJob(log, hold);
    const run = runJob(job, {}, { store, jobId: 'held-2' });
    await until(log, 'run starts unit 1');
    await run.stop();
    const resuming = resumeJob(job, 'held-2', { store });
    await flush(10);
    // The resumed run has not started its phase while the stopped one's unit is open.
    expect(log.filter((l) => l.startsWith('again'))).toEqual([]);
    hold.open();
    const again = await resuming;
    expect((await again.result).status).toBe('completed');
    expect(log).toEqual([
      'run starts unit 0',
      'run ends unit 0',
      'run starts unit 1',
      'run ends unit 1',
      // From the checkpoint after unit 0: unit 1 again (its end was not committed), then unit 2.
      'again starts unit 1',
      'again ends unit 1',
      'again starts unit 2',
      'again ends unit 2',
    ]);
  });

  it('another store on the same SQLite file (another process’s view) is told the job is locked until the code returns', async () => {
    const file = path.join(tempDir(), 'jobs.db');
    const mine: SnapshotStore = new SqliteStore(file);
    const theirs = new SqliteStore(file);
    const log: string[] = [];
    const hold = holdOpen();
    const job = heldJob(log, hold);
    const run = runJob(job, {}, { store: mine, jobId: 'held-3' });
    await until(log, 'run starts unit 1');
    await run.stop();
    await expect(resumeJob(job, 'held-3', { store: theirs })).rejects.toBeInstanceOf(JobLockedError);
    hold.open();
    await run.result;
    const again = await resumeJob(job, 'held-3', { store: theirs });
    expect((await again.result).status).toBe('completed');
    theirs.close();
    (mine as SqliteStore).close();
  });

  it('a phase that awaits its own run’s stop() is not held by it: it goes on to its next checkpoint, which throws', async () => {
    const store = new MemoryStore();
    const after: string[] = [];
    let run: ReturnType<typeof runJob> | undefined;
    const job = defineJob({
      name: 'self-stop',
      version: 1,
      initialState: () => ({ n: 0 }),
      phases: [
        phase<{ n: number }>({
          name: 'work',
          async execute(ctx) {
            await run!.stop();
            after.push('stop() resolved inside the phase');
            await ctx.checkpoint({ force: true });
            after.push('checkpointed after stop (never)');
            return Continue;
          },
        }),
      ],
    });
    run = runJob(job, {}, { store, jobId: 'self-1' });
    const result = await run.result;
    expect(result.status).toBe('interrupted');
    expect(after).toEqual(['stop() resolved inside the phase']);
  });
});

describe('stop() as the run starts a phase, or before it took its lease', () => {
  it('during the boundary checkpoint before a phase: the phase never starts, and the job is free once result settled', async () => {
    const log: string[] = [];
    const gate = deferred();
    const store = new HeldStore();
    const run = runJob(twoPhases(log, gate.promise), {}, { store, clock: new TestClock(), jobId: 'bd-1' });
    await store.held.promise; // b's boundary checkpoint is being written
    const stopping = run.stop();
    store.hold.resolve(); // the write lands
    await stopping;
    expect((await run.result).status).toBe('interrupted');
    await flush(5);
    expect(await tryOther(store, 'bd-1')).toBe('free');
    expect(log).toEqual([]);
    gate.resolve();
  });

  it('during that checkpoint, then resumeJob at once: b runs once, never beside the stopped run’s b', async () => {
    const log: string[] = [];
    const gate = deferred();
    let current = 'old';
    const job = twoPhases(log, gate.promise, () => `${current} b`);
    const store = new HeldStore();
    const clock = new TestClock();
    const run = runJob(job, {}, { store, clock, jobId: 'bd-2' });
    await store.held.promise;
    const stopping = run.stop();
    store.hold.resolve();
    await stopping;
    await flush(5);
    current = 'new';
    const again = await resumeJob(job, 'bd-2', { store, clock });
    await flush(5);
    gate.resolve();
    await again.result;
    // The stopped run never started b; the resumed one's b is the first, so it is the one that waits.
    expect(log).toEqual(['new b starts (stopped: false)', 'new b ends']);
  });

  it('before the run took its lease: the lease is given up as soon as it is taken, and no phase runs', async () => {
    const store = new MemoryStore();
    const log: string[] = [];
    const run = runJob(heldJob(log, {}), {}, { store, jobId: 'early-1' });
    await run.stop();
    expect((await run.result).status).toBe('interrupted');
    await flush(5);
    expect({ other: await tryOther(store, 'early-1'), log }).toEqual({ other: 'free', log: [] });
  });
});

describe('a stopped run whose phase’s code outlives the lease time', () => {
  it('keeps the job locked while that code runs: the stopped run renews its lease until the code returns', async () => {
    const clock = new TestClock();
    const store = new MemoryStore({ now: () => clock.now() });
    const log: string[] = [];
    const hold = holdOpen();
    const run = runJob(heldJob(log, hold), {}, { store, clock, jobId: 'long-1', leaseMs: 30_000 });
    await until(log, 'run starts unit 1');
    await run.stop(); // as a worker's forced stop after its grace period
    await flush(5);
    for (let i = 0; i < 31; i++) await clock.advance(1000); // 31 s later (the lease is 30 s), still in its await
    await flush(5);
    const other = await tryOther(store, 'long-1', 30_000);
    hold.open();
    await run.result;
    expect(other).toBe('JobLockedError');
  });
});
