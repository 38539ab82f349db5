import { describe, expect, it } from 'vitest';
import { BOUNDARY_YIELD_MS } from '../../src/machines/JobRuntime.js';
import { Continue, defineJob, MemoryStore, phase, runJob } from '../../src/index.js';
import type { Clock } from '../../src/phases/types.js';

/**
 * Boundary checkpoints give the host (signals, timers, I/O callbacks) a turn once per BOUNDARY_YIELD_MS of
 * clock time, not once per phase: a macrotask hop per boundary cost a job of short phases about a sixth of its
 * time. Phase code's own checkpoints still give a turn every time.
 */

const PHASES = 40;

function noopJob(name: string, checkpointInside = false) {
  return defineJob({
    name,
    version: 1,
    initialState: () => ({ n: 0 }),
    phases: Array.from({ length: PHASES }, (_, i) =>
      phase({
        name: `p${i}`,
        async execute(ctx) {
          if (checkpointInside) await ctx.checkpoint({ force: true });
          return Continue;
        },
      }),
    ),
  });
}

/** A clock that moves `step` ms each time it is read; its timers are real ones (the progress timer). */
function steppingClock(step: number): Clock {
  let time = 0;
  return {
    now: () => (time += step),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

/** How many macrotask turns the host got while the job ran. */
async function hostTurnsDuring(job: ReturnType<typeof noopJob>, clock: Clock): Promise<number> {
  let turns = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const run = runJob(job, {}, { store: new MemoryStore(), clock, progressIntervalMs: 1e9 });
  const result = await run.result;
  running = false;
  expect(result.status).toBe('completed');
  return turns;
}

describe('host turns at phase boundaries', () => {
  it('a job of short phases does not hop to the host at every boundary', async () => {
    // The clock moves 0.01 ms per read: the whole job takes well under BOUNDARY_YIELD_MS of clock time.
    const turns = await hostTurnsDuring(noopJob('short'), steppingClock(0.01));
    expect(turns).toBeLessThan(PHASES / 4);
  });

  it('once BOUNDARY_YIELD_MS passed, a boundary gives the host its turn', async () => {
    // Every read moves the clock past the threshold: every boundary yields.
    const turns = await hostTurnsDuring(noopJob('slow'), steppingClock(BOUNDARY_YIELD_MS));
    expect(turns).toBeGreaterThanOrEqual(PHASES);
  });

  it("phase code's checkpoints still give the host a turn every time", async () => {
    const turns = await hostTurnsDuring(noopJob('inside', true), steppingClock(0.01));
    expect(turns).toBeGreaterThanOrEqual(PHASES);
  });
});
