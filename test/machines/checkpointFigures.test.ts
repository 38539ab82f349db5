import { describe, expect, it } from 'vitest';
import { ProgressTracker } from '../../src/machines/ProgressTracker.js';

/** A clock that moves only when told. */
const clock = () => {
  const c = { t: 1_000, now: () => c.t, setTimeout: () => null, clearTimeout: () => {} };
  return c;
};

/** The fields of `current()` that a checkpoint keeps, in the order a checkpoint writes them. */
function kept(tracker: ProgressTracker) {
  const p = tracker.current();
  return {
    phase: p.phase,
    phasePercent: p.phasePercent,
    overallPercent: p.overallPercent,
    completed: p.completed,
    total: p.total,
    ...(p.bytesCompleted !== undefined ? { bytesCompleted: p.bytesCompleted, bytesTotal: p.bytesTotal } : {}),
    message: p.message,
    elapsedMs: p.elapsedMs,
  };
}

/** Two trackers driven alike: one read with checkpointFigures(), the other with current(). */
function pair() {
  const c = clock();
  const make = () => new ProgressTracker('job', [1, 3, 1], c as never, 1000, 250);
  return { c, a: make(), b: make() };
}

describe('ProgressTracker.checkpointFigures', () => {
  it('gives the figures current() gives a checkpoint, key for key and in order, floor and all', () => {
    const { c, a, b } = pair();
    const both = (f: (t: ProgressTracker) => void) => {
      f(a);
      f(b);
    };
    const check = () => {
      const mine = a.checkpointFigures();
      const theirs = kept(b);
      expect(Object.keys(mine)).toEqual(Object.keys(theirs));
      expect(mine).toEqual(theirs);
    };
    check();
    both((t) => t.enterPhase('p1', 1, 1, 0));
    both((t) => {
      t.completed = 3;
      t.total = 10;
      t.message = 'scanning';
    });
    c.t += 40;
    check();
    // Bytes reported: both fields, bytesTotal 0 when only bytesCompleted is known.
    both((t) => {
      t.bytesCompleted = 512;
    });
    check();
    both((t) => {
      t.bytesTotal = 4096;
    });
    check();
    // The percent never goes down: a lower figure after a checkpoint stays at the floor the checkpoint set.
    both((t) => {
      t.completed = 1;
    });
    check();
    both((t) => t.endPhase(4, 0));
    both((t) => t.finish('completed'));
    check();
  });
});
