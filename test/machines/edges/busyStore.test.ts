import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { runJob } from '../../../src/index.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { batchJob, effects, exactlyOnce } from './batchJob.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('a busy store', () => {
  it('is retried, not fatal: another connection holding the write lock only delays the checkpoint', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phasekit-busy-'));
    dirs.push(dir);
    const file = path.join(dir, 'jobs.db');
    const store = new SqliteStore(file, { busyTimeoutMs: 5 });
    const other = new Database(file);
    const fx = effects();
    let busyOnce = false;
    fx.gate = (batch) => {
      // Another writer takes the lock just before batch 2 commits.
      if (batch === 2 && !busyOnce) other.exec('BEGIN IMMEDIATE');
    };
    const warnings: string[] = [];
    const run = runJob(
      batchJob(),
      { items: 50, size: 10 },
      {
        store,
        deps: fx,
        logger: {
          log(level, message) {
            if (level !== 'warn') return;
            warnings.push(message);
            // The runtime met the busy store: let the other writer commit now.
            if (!busyOnce) {
              busyOnce = true;
              other.exec('COMMIT');
            }
          },
        },
      },
    );
    const result = await run.result;
    expect(result.status).toBe('completed');
    expect(busyOnce).toBe(true);
    expect(warnings[0]).toMatch(/busy/);
    expect(exactlyOnce(fx.rows, 50)).toBe(true);
    other.close();
    await store.close();
  });
});
