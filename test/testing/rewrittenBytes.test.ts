import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { processWrites } from '../../src/testing/processWrites.js';
import { runCrashPoints } from '../../src/testing/runCrashPoints.js';
import { tempDir } from '../machines/helpers.js';
import { chunkedCopyJob } from './chunkedCopyJob.js';
import { bytesFor, treeDigest } from './copyWorld.js';
import { sqliteWorld } from './sqliteWorld.js';

const CHUNK = 256 * 1024;
const SIZE = 8 * CHUNK;
/**
 * One chunk, plus what else the process writes meanwhile: the SQLite pages of the resume (its lease, extra
 * checkpoints: ≤ 30 KiB measured) and the test runner's own messages to its parent (up to ~40 KiB seen).
 */
const MAX_REWRITE = CHUNK + CHUNK / 2;

function world() {
  const dir = tempDir();
  const src = path.join(dir, 'big.bin');
  fs.writeFileSync(src, bytesFor('big', SIZE));
  const out = path.join(dir, 'out');
  const w = sqliteWorld(path.join(dir, 'jobs.db'), () => ({ effects: () => treeDigest(out) }));
  return {
    input: { src, dst: path.join(out, 'big.bin'), chunk: CHUNK },
    setup: () => {
      fs.rmSync(out, { recursive: true, force: true });
      fs.mkdirSync(out);
      return w.fresh();
    },
  };
}

describe.skipIf(processWrites() === undefined)('bytes a resumed run writes, measured outside the job', () => {
  it('catches a copy that restarts a large file from byte 0 after a resume', async () => {
    const { input, setup } = world();
    const report = await runCrashPoints(chunkedCopyJob(true), input, {
      setup,
      maxRewrittenBytes: MAX_REWRITE,
    });
    // The file comes out the same and the job claims it rewrote nothing: only the measured bytes tell.
    expect(report.trials.every((t) => t.mismatch === null || /bytes more/.test(t.mismatch))).toBe(true);
    expect(report.reference.output).toEqual({ rewritten: 0 });
    // Writes: #1 the phase start, #2–#9 one checkpoint per chunk, #10 the end. A crash after chunk k's
    // checkpoint makes the resumed run write k chunks again: from two chunks on, that is more than allowed.
    const caught = report.mismatches.filter((m) => m.point.source === 'checkpoint').map((m) => m.point.write);
    expect(new Set(caught)).toEqual(new Set([3, 4, 5, 6, 7, 8, 9]));
    const worst = Math.max(...report.trials.map((t) => t.rewrittenBytes!));
    expect(worst).toBeGreaterThan(7 * CHUNK);
    expect(report.mismatches.at(-1)!.message).toMatch(
      /^#10 boundary in copy \(completed\), before-write: wrote \d+ bytes more than the uninterrupted run/,
    );
  });

  it('passes the same copy that resumes at its checkpointed offset: at most one chunk written twice', async () => {
    const { input, setup } = world();
    const report = await runCrashPoints(chunkedCopyJob(false), input, {
      setup,
      maxRewrittenBytes: MAX_REWRITE,
    });
    expect(report.mismatches).toEqual([]);
    const rewritten = report.trials.map((t) => t.rewrittenBytes!);
    expect(Math.max(...rewritten)).toBeLessThanOrEqual(MAX_REWRITE);
    // A crash just before a chunk's checkpoint costs that chunk again: the measure sees it.
    expect(Math.max(...rewritten)).toBeGreaterThan(CHUNK / 2);
    expect(report.referenceWrites).toBeGreaterThanOrEqual(SIZE);
  });
});
