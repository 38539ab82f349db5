import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const worker = fileURLToPath(new URL('../fixtures/crash-worker.mjs', import.meta.url));

/** Run the worker; kill it with SIGKILL `killAfterMs` after it says it is ready, unless it ends first. */
function runWorker(args: string[], killAfterMs: number | null) {
  return new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d) => {
      out += d;
      if (killAfterMs !== null && timer === null && out.includes('ready')) {
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

describe('crash and resume, for real', () => {
  it('a job SIGKILLed at 20+ random moments records every item exactly once', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'crash.db');
    const N = 8000;
    const args = [db, 'job-1', String(N), '10', '8'];
    // Moments drawn by fast-check from a fixed seed, so a failure can be replayed.
    const seed = Number(process.env.PHASEKIT_CRASH_SEED ?? 20261129);
    const moments = fc.sample(fc.integer({ min: 0, max: 400 }), { seed, numRuns: 40 });
    let kills = 0;
    for (const ms of moments) {
      if (kills >= 22) break;
      const { signal, code, out } = await runWorker(args, ms);
      if (signal === 'SIGKILL') kills++;
      else if (code !== 0) throw new Error(`worker failed (exit ${code}): ${out}`);
      else break;
    }
    expect(kills).toBeGreaterThanOrEqual(20);
    const last = await runWorker(args, null);
    expect(last.code, last.out).toBe(0);
    expect(JSON.parse(last.out.trim().split('\n').at(-1)!)).toMatchObject({ status: 'completed' });
    const check = new Database(db, { readonly: true });
    const { rows, distinct, min, max } = check
      .prepare(
        'SELECT count(*) AS rows, count(DISTINCT id) AS "distinct", min(id) AS min, max(id) AS max FROM items',
      )
      .get() as { rows: number; distinct: number; min: number; max: number };
    const runs = (check.prepare('SELECT count(DISTINCT run) AS n FROM items').get() as { n: number }).n;
    check.close();
    expect({ rows, distinct, min, max }).toEqual({ rows: N, distinct: N, min: 0, max: N - 1 });
    // The work really was spread over several killed processes.
    expect(runs).toBeGreaterThan(3);
  }, 120_000);
});
