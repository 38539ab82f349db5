import path from 'node:path';
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { SnapshotStore } from '../../src/persistence/types.js';
import { MemoryStore } from '../../src/persistence/stores/MemoryStore.js';
import { SqliteStore } from '../../src/persistence/stores/SqliteStore.js';
import { crashPoints } from '../../src/testing/crashPoints.js';
import { runCrashPoints } from '../../src/testing/runCrashPoints.js';
import { conceptsJob } from '../fixtures/conceptsJob.js';
import { tempDir } from '../machines/helpers.js';
import { batchesJob, createItems } from './batchesJob.js';
import { sqliteWorld, TwoTransactionStore } from './sqliteWorld.js';

function batchesWorld(store?: (db: Database.Database) => SnapshotStore) {
  return sqliteWorld(path.join(tempDir(), 'jobs.db'), (db) => {
    createItems(db);
    return {
      deps: { db },
      effects: () => db.prepare('SELECT id FROM items ORDER BY rowid').all(),
      ...(store ? { store } : {}),
    };
  });
}

const input = { total: 50, batch: 10 };

describe('crashPoints', () => {
  it('finds before and after each write, and inside atomicWith before and after the caller’s writes', async () => {
    const world = batchesWorld();
    const points = await crashPoints(batchesJob, input, { setup: world.fresh });
    const atomic = points.filter((p) => p.atomic);
    // Five batches, four moments each, all in the record phase's own checkpoints.
    expect(atomic).toHaveLength(20);
    expect(new Set(atomic.map((p) => p.phase))).toEqual(new Set(['record']));
    expect(atomic.every((p) => p.source === 'checkpoint')).toBe(true);
    expect(atomic.filter((p) => p.moment === 'after-caller-writes')).toHaveLength(5);
    // A boundary write as each of the three phases starts, and the final one: two moments each.
    const boundaries = points.filter((p) => p.source === 'boundary');
    expect(boundaries.map((p) => `${p.phase}:${p.step}:${p.moment}`)).toEqual([
      'prepare:running:before-write',
      'prepare:running:after-write',
      'record:running:before-write',
      'record:running:after-write',
      'verify:running:before-write',
      'verify:running:after-write',
      'verify:completed:before-write',
      'verify:completed:after-write',
    ]);
    expect(points).toHaveLength(28);
    expect(points.map((p) => p.write)).toEqual([...points.map((p) => p.write)].sort((a, b) => a - b));
  });
});

describe('runCrashPoints', () => {
  it('passes the crash sample on SqliteStore at every point: no batch lost or repeated', async () => {
    const world = batchesWorld();
    const report = await runCrashPoints(batchesJob, input, { setup: world.fresh });
    expect(report.trials).toHaveLength(28);
    expect(report.unreached).toEqual([]);
    expect(report.mismatches).toEqual([]);
    expect(report.reference.effects).toHaveLength(50);
    expect(report.reference.status).toBe('completed');
  });

  it('catches a store that commits the caller’s writes and the checkpoint in two transactions', async () => {
    const world = batchesWorld((db) => new TwoTransactionStore(new SqliteStore(db)));
    const report = await runCrashPoints(batchesJob, input, { setup: world.fresh });
    // Exactly the crashes between the two commits: after the caller's writes, in each of the five batches.
    expect(report.mismatches.map((m) => `${m.point.write}:${m.point.moment}`)).toEqual(
      report.points.filter((p) => p.moment === 'after-caller-writes').map((p) => `${p.write}:${p.moment}`),
    );
    expect(report.mismatches).toHaveLength(5);
    expect(report.mismatches[0].message).toMatch(
      /checkpoint in record \(running\), after-caller-writes: .*effects.length: 50 ≠ 60|state|effects/,
    );
  });

  it('needs freeze() to see it: without, a crash after the caller’s writes rolls the whole save back', async () => {
    const world = batchesWorld((db) => new TwoTransactionStore(new SqliteStore(db)));
    const report = await runCrashPoints(batchesJob, input, {
      setup: () => ({ ...world.fresh(), freeze: undefined }),
      points: (p) => p.moment === 'after-caller-writes',
    });
    expect(report.trials).toHaveLength(5);
    expect(report.mismatches).toEqual([]);
  });

  it('reports a phase whose writes no checkpoint covers, naming the phase and the point', async () => {
    const world = batchesWorld();
    const report = await runCrashPoints(batchesJob, { ...input, uncovered: true }, { setup: world.fresh });
    // No atomicWith: two points per write. A crash before a batch's checkpoint repeats that batch.
    expect(report.points).toHaveLength(18);
    expect(report.mismatches.map((m) => m.message)).toEqual([
      '#3 checkpoint in record (running), before-write: effects[10].id: 10 ≠ 0',
      '#4 checkpoint in record (running), before-write: effects[20].id: 20 ≠ 10',
      '#5 checkpoint in record (running), before-write: effects[30].id: 30 ≠ 20',
      '#6 checkpoint in record (running), before-write: effects[40].id: 40 ≠ 30',
      '#7 checkpoint in record (running), before-write: effects.length: 50 ≠ 60',
    ]);
  });

  it('runs the concepts job (skipTo, groups, when) on a MemoryStore', async () => {
    const report = await runCrashPoints(conceptsJob, {}, { setup: () => ({ store: new MemoryStore() }) });
    expect(report.points.length).toBeGreaterThan(0);
    expect(report.mismatches).toEqual([]);
    expect(report.reference.history.map((h) => h.status)).toEqual([
      'completed',
      'skipped',
      'skipped',
      'completed',
    ]);
  });
});
