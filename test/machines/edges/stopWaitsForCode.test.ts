import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Continue,
  defineJob,
  JobLockedError,
  MemoryStore,
  phase,
  resumeJob,
  runJob,
  type SnapshotStore,
} from '../../../src/index.js';
import { SqliteStore } from '../../../src/sqlite.js';
import { flush } from '../helpers.js';

/**
 * A phase that does a unit of work the test holds open (an `await` not given `ctx.signal`, as a copy of a large
 * file is), checkpointing after each unit. `log` records when each run's unit starts and ends.
 */
function heldJob(log: string[], hold: { open?: () => void; waiting?: Promise<void> }) {
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

function holdOpen() {
  const hold: { open?: () => void; waiting?: Promise<void> } = {};
  hold.waiting = new Promise<void>((resolve) => {
    hold.open = () => {
      hold.waiting = undefined;
      resolve();
    };
  });
  return hold as { open: () => void; waiting: Promise<void> | undefined };
}

/** Resolves when `log` has an entry matching `text` (polling the event loop). */
async function until(log: string[], text: string) {
  for (let i = 0; i < 1000 && !log.includes(text); i++) await flush(1);
  expect(log).toContain(text);
}

/** Another owner: another host, so only its lease (not a pid) says whether it is alive. */
const OTHER = { workerId: 'elsewhere:1:test', pid: 1, host: 'elsewhere' };

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

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
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phasekit-stopcode-'));
    dirs.push(dir);
    const file = path.join(dir, 'jobs.db');
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
