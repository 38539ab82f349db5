import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { CrashChildModule, CrashTrial } from '../../src/testing/CrashTrial.js';
import { tempDir } from '../machines/helpers.js';

// Everything from dist/ (the vitest global setup builds it): the child runs the built phasekit, and the parent
// resumes with the very same job definition.
const { runCrashPoints } = await import('../../dist/testing/index.js');
const moduleUrl = new URL('./crashChildBatches.mjs', import.meta.url);
const batches = (await import(moduleUrl.href)) as CrashChildModule & { reopen(): CrashTrial };
const module = fileURLToPath(moduleUrl);

afterEach(() => {
  delete process.env.CRASH_DB;
  delete process.env.CRASH_TWO_TX;
});

function setup() {
  const file = process.env.CRASH_DB!;
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
  return batches.reopen();
}

describe('runCrashPoints in a child process killed with SIGKILL at each point', () => {
  it('resumes the crash sample after a real kill at one point of each kind, the dead owner’s lease taken over', async () => {
    process.env.CRASH_DB = path.join(tempDir(), 'jobs.db');
    // A child costs a node start (~1–2 s here): one of each kind of point, not all 16.
    const chosen = ['1:before-write', '2:before-caller-writes', '2:after-caller-writes', '3:after-write'];
    const report = await runCrashPoints(batches.job, batches.input, {
      setup,
      childProcess: { module },
      points: (p: { write: number; moment: string }) => chosen.includes(`${p.write}:${p.moment}`),
    });
    // Writes: the phase start, three batches, the end.
    expect(report.points).toHaveLength(2 + 3 * 4 + 2);
    expect(report.trials).toHaveLength(4);
    expect(report.unreached).toEqual([]);
    expect(report.mismatches.map((m: { message: string }) => m.message)).toEqual([]);
  });

  it('catches the two-transaction store after a real kill', async () => {
    process.env.CRASH_DB = path.join(tempDir(), 'jobs.db');
    process.env.CRASH_TWO_TX = '1';
    const report = await runCrashPoints(batches.job, batches.input, {
      setup,
      childProcess: { module },
      points: (p: { moment: string }) => p.moment === 'after-caller-writes',
    });
    expect(report.trials).toHaveLength(3);
    expect(report.mismatches).toHaveLength(3);
    // The batch committed without its checkpoint is written again: rows 0–9 twice.
    expect(report.mismatches[0].message).toBe(
      '#2 checkpoint in record (running), after-caller-writes: effects[10].id: 10 ≠ 0',
    );
  });

  it('resumes in a fresh process too: a job that keeps its items in memory beside its state is caught', async () => {
    const memoryUrl = new URL('./crashChildMemory.mjs', import.meta.url);
    const memoryJob = (await import(memoryUrl.href)) as CrashChildModule & { reopen(): CrashTrial };
    process.env.CRASH_DB = path.join(tempDir(), 'jobs.db');
    const report = await runCrashPoints(memoryJob.job, memoryJob.input, {
      setup,
      childProcess: { module: fileURLToPath(memoryUrl) },
      // Two points inside `record`, after its first batch committed.
      points: (p: { write: number; moment: string; phase: string | null }) =>
        p.phase === 'record' && p.moment === 'after-write',
    });
    expect(report.reference.effects).toEqual([1, 2, 3, 4, 5, 6].map((id) => ({ id })));
    expect(report.unreached).toEqual([]);
    // Resumed in this process, the items would still be in memory and every point would pass.
    expect(report.mismatches.map((m: { message: string }) => m.message)).toEqual([
      '#2 boundary in record (running), after-write: output.rows: 6 ≠ 0',
      '#3 checkpoint in record (running), after-write: output.rows: 6 ≠ 2',
      '#4 checkpoint in record (running), after-write: output.rows: 6 ≠ 4',
    ]);
  });
});
