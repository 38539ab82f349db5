import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { Continue, defineJob, phase } from '../../src/index.js';
import { SqliteStore } from '../../src/sqlite.js';
import { tempDir } from '../machines/helpers.js';

/** What the test jobs' phases report to: how many run at once, in what order they start, what they do. */
export class Probe {
  running = 0;
  max = 0;
  /** Job ids in the order their `work` phase started (a resumed job appears again). */
  readonly starts: string[] = [];
  /** `jobId:item` for every item processed. */
  readonly items: string[] = [];
  /** `jobId:kind` for every `onFailure` call. */
  readonly cleanups: string[] = [];
}

/** The test jobs' `deps`. */
export interface Deps {
  readonly probe: Probe;
  /**
   * Awaited before each item: a promise that never settles holds the job mid-phase. The phase checks for a
   * pause or cancel once the gate opens, so a gate that opens on `signal` lets a cancel through.
   */
  readonly gate?: (jobId: string, item: number, signal: AbortSignal) => Promise<void>;
}

export type CountedState = { cursor: number; done: number[] };
export type CountedInput = { n: number; delayMs?: number };

/** A job that processes items 0..n-1 in its `work` phase, checkpointing after each; a `finish` phase follows. */
export const counted = defineJob<CountedState, CountedInput, Deps>({
  name: 'counted',
  version: 1,
  initialState: () => ({ cursor: 0, done: [] }),
  phases: [
    phase<CountedState, CountedInput, Deps>({
      name: 'work',
      async execute(ctx) {
        const probe = ctx.deps.probe;
        probe.running++;
        probe.max = Math.max(probe.max, probe.running);
        probe.starts.push(ctx.jobId);
        try {
          while (ctx.state.cursor < ctx.input.n) {
            ctx.checkInterrupt();
            await ctx.deps.gate?.(ctx.jobId, ctx.state.cursor, ctx.signal);
            ctx.checkInterrupt();
            if (ctx.input.delayMs) await new Promise((resolve) => setTimeout(resolve, ctx.input.delayMs));
            probe.items.push(`${ctx.jobId}:${ctx.state.cursor}`);
            ctx.state.done.push(ctx.state.cursor);
            ctx.state.cursor++;
            await ctx.checkpoint({ force: true });
          }
        } finally {
          probe.running--;
        }
        return Continue;
      },
      async onFailure(ctx, error) {
        ctx.deps.probe.cleanups.push(`${ctx.jobId}:${error.kind}`);
      },
    }),
    phase<CountedState, CountedInput, Deps>({
      name: 'finish',
      async execute() {
        return Continue;
      },
    }),
  ],
});

/** Another job, to list and filter by name. */
export const other = defineJob<{ ran: boolean }, unknown, Deps>({
  name: 'other',
  version: 1,
  initialState: () => ({ ran: false }),
  phases: [
    phase<{ ran: boolean }, unknown, Deps>({
      name: 'only',
      async execute(ctx) {
        ctx.state.ran = true;
        return Continue;
      },
    }),
  ],
});

const stores: SqliteStore[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

/** A database file in a fresh temp directory, and a function opening a new `SqliteStore` on it. */
export function database(): { file: string; open: () => SqliteStore } {
  const file = path.join(tempDir(), 'jobs.db');
  return {
    file,
    open: () => {
      const store = new SqliteStore(file);
      stores.push(store);
      return store;
    },
  };
}

/** Resolve once `test()` holds, polling every few ms; reject after `timeoutMs`. */
export async function waitFor(test: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms: ${test.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A promise that never settles: holds a job mid-phase for good, as a process that died would. */
export const never = (): Promise<void> => new Promise<void>(() => {});

/**
 * A gate that holds the phase until its run stops (its signal aborts), then rejects with the signal's reason:
 * a phase waiting on I/O that is given `ctx.signal`. `run.stop()` waits for the phase's code to return, so a
 * gate that never settles (`never`) would hold the stop, and the job's lease, for good.
 */
export const untilStopped = (signal: AbortSignal): Promise<void> =>
  new Promise<void>((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

/**
 * A lease owner that looks like a process that died: this host, a pid above Linux's highest. A manager "dropped"
 * in a test (its runs left mid-phase for good, as in a crash) runs as this owner, so a second manager in the
 * same test process takes its jobs over the way it would after a real crash.
 */
export function deadOwner(): { workerId: string; pid: number; host: string } {
  return { workerId: 'dead-process', pid: 2 ** 22 + 7, host: os.hostname() };
}
