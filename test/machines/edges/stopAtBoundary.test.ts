import { describe, expect, it } from 'vitest';
import {
  Continue,
  defineJob,
  JobLockedError,
  MemoryStore,
  phase,
  resumeJob,
  runJob,
} from '../../../src/index.js';
import type { JobMeta, SaveOptions } from '../../../src/index.js';
import { TestClock } from '../../../src/testing/index.js';
import { deferred, flush } from '../helpers.js';

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

const OTHER = { workerId: 'elsewhere:1:test', pid: 1, host: 'elsewhere' };

describe('stop() while the boundary checkpoint before execute is in flight', () => {
  it('does not let the next phase’s execute start after the run stopped and gave its lease up', async () => {
    const log: string[] = [];
    const gate = deferred();
    const job = defineJob({
      name: 'boundary',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({ name: 'a', execute: async () => Continue }),
        phase({
          name: 'b',
          async execute(ctx) {
            log.push(`b starts (stopped: ${ctx.signal.aborted})`);
            await gate.promise; // work that ignores the signal (a big copy)
            log.push('b ends');
            return Continue;
          },
        }),
      ],
    });
    const store = new HeldStore();
    const clock = new TestClock();
    const run = runJob(job, {}, { store, clock, jobId: 'bd-1' });
    await store.held.promise; // b's boundary checkpoint is being written
    const stopping = run.stop();
    store.hold.resolve(); // the write lands
    await stopping;
    const result = await run.result;
    expect(result.status).toBe('interrupted');
    await flush(5);
    // The job is free once result settled, and b's code never started: the stop came before it.
    const lease = await store.acquire('bd-1', OTHER, { leaseMs: 10_000 }).catch((e) => e);
    expect(lease).not.toBeInstanceOf(JobLockedError);
    expect(log).toEqual([]);
    gate.resolve();
  });

  it('a resumeJob right after stop() runs b once, never beside the stopped run’s b', async () => {
    const log: string[] = [];
    const gate = deferred();
    let current = 'old';
    const job = defineJob({
      name: 'boundary2',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({ name: 'a', execute: async () => Continue }),
        phase({
          name: 'b',
          async execute() {
            const me = current;
            log.push(`${me} b starts`);
            if (me === 'old') await gate.promise;
            log.push(`${me} b ends`);
            return Continue;
          },
        }),
      ],
    });
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
    // The stopped run never started b, so only the resumed run's b runs: never two at once.
    expect(log).toEqual(['new b starts', 'new b ends']);
  });
});
