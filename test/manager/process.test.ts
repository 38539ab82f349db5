import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../machines/helpers.js';

const worker = fileURLToPath(new URL('../fixtures/manager-worker.mjs', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const built = path.join(root, 'dist/manager/createJobManager.js');

type Line = Record<string, unknown>;

/** Run the worker; SIGKILL it once `killWhen` holds for the lines read so far, `graceMs` later. */
function runWorker(args: string[], killWhen?: (lines: Line[]) => boolean, graceMs = 0) {
  return new Promise<{ code: number | null; signal: string | null; lines: Line[]; err: string }>(
    (resolve) => {
      const child = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      const lines: Line[] = [];
      let buffer = '';
      let err = '';
      let killing = false;
      child.stdout.on('data', (chunk) => {
        buffer += chunk;
        let end = buffer.indexOf('\n');
        while (end >= 0) {
          lines.push(JSON.parse(buffer.slice(0, end)));
          buffer = buffer.slice(end + 1);
          end = buffer.indexOf('\n');
        }
        if (killWhen && !killing && killWhen(lines)) {
          killing = true;
          setTimeout(() => child.kill('SIGKILL'), graceMs);
        }
      });
      child.stderr.on('data', (chunk) => (err += chunk));
      child.on('exit', (code, signal) => resolve({ code, signal, lines, err }));
    },
  );
}

/** Newest modification time of the files under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      latest = Math.max(latest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

beforeAll(() => {
  // The worker runs the built package, as a user's process would: it must be built from this source.
  const sources = ['manager', 'machines', 'persistence', 'phases', 'adapters'].map((d) =>
    path.join(root, 'src', d),
  );
  const latest = Math.max(fs.statSync(path.join(root, 'src/index.ts')).mtimeMs, ...sources.map(newest));
  if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < latest) {
    throw new Error('dist/ is missing or older than src/: run `npm run build` before this test.');
  }
});

describe('a job manager process killed mid-way', () => {
  it('is continued by the next processes: every job completes exactly once, never more than 2 at a time', async () => {
    const db = path.join(tempDir(), 'manager.db');
    const completions = (lines: Line[]) => lines.filter((l) => l.event === 'completed').length;
    // Killed 60 ms after the second job completes: two jobs mid-phase, two still queued.
    const first = await runWorker([db, 'dispatch', '10', '20'], (lines) => completions(lines) >= 2, 60);
    expect(first.signal, first.err).toBe('SIGKILL');
    expect(first.lines).toContainEqual({ ready: true });

    const check = new Database(db, { readonly: true });
    const statuses = check
      .prepare('SELECT status, count(*) AS n FROM phasekit_jobs GROUP BY status')
      .all() as {
      status: string;
      n: number;
    }[];
    check.close();
    const count = (status: string) => statuses.find((s) => s.status === status)?.n ?? 0;
    expect(count('completed')).toBeGreaterThanOrEqual(2);
    expect(count('completed')).toBeLessThan(6);
    expect(count('running')).toBeGreaterThanOrEqual(1);
    expect(count('queued')).toBeGreaterThanOrEqual(1);

    // The next process is killed too, once it has finished one more job; the one after that finishes.
    const second = await runWorker([db, 'resume', '10', '20'], (lines) => completions(lines) >= 1, 60);
    expect(second.signal, second.err).toBe('SIGKILL');
    const resumed = second.lines.find((l) => 'resumed' in l)!.resumed as {
      id: string;
      was: string;
      error: null;
    }[];
    expect(resumed.length).toBe(6 - count('completed'));
    expect(resumed.every((r) => r.error === null)).toBe(true);
    // The running ones first.
    const was = resumed.map((r) => r.was);
    expect(was).toEqual([...was].sort((a, b) => (a === b ? 0 : a === 'running' ? -1 : 1)));

    const third = await runWorker([db, 'resume', '10', '20']);
    expect(third.code, third.err).toBe(0);
    expect(third.lines.at(-1)).toEqual({
      done: true,
      statuses: Object.fromEntries([1, 2, 3, 4, 5, 6].map((i) => [`job-${i}`, 'completed'])),
    });

    for (const run of [first, second, third]) {
      const running = run.lines.filter((l) => l.phase === 'work').map((l) => l.running as number);
      expect(Math.max(...running)).toBeLessThanOrEqual(2);
    }
    const result = new Database(db, { readonly: true });
    const done = result.prepare('SELECT job, count(*) AS n FROM done GROUP BY job ORDER BY job').all();
    expect(done).toEqual([1, 2, 3, 4, 5, 6].map((i) => ({ job: `job-${i}`, n: 1 })));
    const pids = result.prepare('SELECT count(DISTINCT pid) AS n FROM done').get() as { n: number };
    expect(pids.n).toBeGreaterThanOrEqual(2);
    const steps = result
      .prepare("SELECT count(*) AS n, count(DISTINCT job || ':' || step) AS d FROM steps")
      .get() as { n: number; d: number };
    result.close();
    expect(steps).toEqual({ n: 60, d: 60 });
  }, 60_000);
});
