import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../src/index.js';
import { tempDir } from '../../machines/helpers.js';
import { pausedOrResult, planRows, resume, start, workspace } from './copyWorkspace.js';
import { expectSameTree, leftovers, writeBig } from './tree.js';

const MiB = 1 << 20;

/** A source with one large file, and a copy of it paused after `chunks` chunks of 1 MiB. */
async function pausedInsideLargeFile(chunks = 3) {
  const ws = workspace();
  const src = path.join(tempDir(), 'src');
  fs.mkdirSync(src);
  writeBig(path.join(src, 'big'), 8 * MiB, 1);
  fs.writeFileSync(path.join(src, 'small'), 'small');
  const out = path.join(tempDir(), 'out');
  const run = start(
    ws,
    { sources: [src], destination: out, chunkSize: MiB },
    { afterChunk: (_item, offset) => void (offset === chunks * MiB && run.pause()) },
  );
  expect(await pausedOrResult(run)).toBe('paused');
  expect(leftovers(out).length).toBe(1);
  return { ws, src, out, id: run.id };
}

describe('a resumed large file', () => {
  it('whose source was rewritten while the job was stopped is copied again from byte 0, and says so', async () => {
    const { ws, src, out, id } = await pausedInsideLargeFile();
    writeBig(path.join(src, 'big'), 8 * MiB, 2); // same size, new content, new mtime
    const run = await resume(ws, id);
    const result = await run.result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(result.output).toMatchObject({ restarted: 1, files: 2 });
    expectSameTree(out, src);
  });

  it('whose source was replaced by another file with the same size and mtime (another inode) starts again too', async () => {
    const { ws, src, out, id } = await pausedInsideLargeFile();
    const big = path.join(src, 'big');
    writeBig(`${big}.new`, 8 * MiB, 3);
    // The same mtime to the nanosecond: only the inode tells them apart.
    expect(spawnSync('touch', ['-r', big, `${big}.new`]).status).toBe(0);
    expect(fs.statSync(`${big}.new`).mtimeMs).toBe(fs.statSync(big).mtimeMs);
    fs.renameSync(`${big}.new`, big);
    const run = await resume(ws, id);
    const result = await run.result;
    expect(result.output).toMatchObject({ restarted: 1 });
    expectSameTree(out, src);
  });

  it('whose source is unchanged goes on inside its temporary file', async () => {
    const { ws, src, out, id } = await pausedInsideLargeFile();
    const result = await (await resume(ws, id)).result;
    expect(result.output).toMatchObject({ restarted: 0, rewritten: 0 });
    expectSameTree(out, src);
  });
});

describe('cancel', () => {
  it('of a copy paused inside a large file removes its temporary file and its plan; what was copied stays', async () => {
    const { ws, out, id } = await pausedInsideLargeFile();
    expect(planRows(ws, id)).toBeGreaterThan(0);
    const run = await resume(ws, id);
    // resumeJob resumes at once; cancel it at its first chunk.
    run.cancel();
    const result = await run.result;
    expect(result.status).toBe('cancelled');
    expect(leftovers(out)).toEqual([]);
    expect(planRows(ws, id)).toBe(0);
  });
});

describe('progress', () => {
  it('shows files as the count and bytes once, as bytes; the phase percent follows the bytes', async () => {
    const ws = workspace();
    const src = path.join(tempDir(), 'src');
    fs.mkdirSync(src);
    writeBig(path.join(src, 'big'), 4 * MiB, 1);
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(src, `s${i}`), 'x'.repeat(1000));
    // Each chunk waits long enough for the progress throttle (100 ms) to report in between.
    const run = start(
      ws,
      { sources: [src], destination: path.join(tempDir(), 'out'), chunkSize: MiB },
      { afterChunk: () => new Promise((resolve) => setTimeout(resolve, 60)) },
    );
    const frames: JobProgress[] = [];
    run.progress$.subscribe((p) => p.phase === 'copying' && p.total > 0 && frames.push(p));
    expect((await run.result).status).toBe('completed');
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.at(-1)!.total).toBe(4);
    expect(frames.at(-1)!.bytesTotal).toBe(4 * MiB + 3000);
    expect(frames.some((p) => (p.bytesCompleted ?? 0) > 0 && p.bytesCompleted! < p.bytesTotal!)).toBe(true);
    for (const p of frames) {
      expect(p.completed).toBeLessThanOrEqual(4);
      if (p.bytesTotal) expect(p.phasePercent).toBeCloseTo(((p.bytesCompleted ?? 0) / p.bytesTotal) * 100, 5);
    }
  });

  it('of a resumed copy: the first frames count only what this run copied (no huge rate, no ETA 00:00)', async () => {
    const ws = workspace();
    const src = path.join(tempDir(), 'src');
    fs.mkdirSync(src);
    for (let i = 0; i < 40; i++) writeBig(path.join(src, `f${i}`), MiB / 2, i);
    const out = path.join(tempDir(), 'out');
    let run = start(
      ws,
      { sources: [src], destination: out, chunkSize: MiB, batchSize: 2 },
      { afterPlace: (item) => void (item.seq === 30 && run.pause()) },
    );
    expect(await pausedOrResult(run)).toBe('paused');
    const frames: JobProgress[] = [];
    let slow = 0;
    // Each batch of this run takes at least 20 ms here, so an honest rate is at most 1 MiB / 20 ms.
    run = await resume(ws, run.id, {
      beforePlace: () => {
        const until = performance.now() + 10;
        while (performance.now() < until) slow++;
      },
    });
    run.progress$.subscribe((p) => p.phase === 'copying' && frames.push(p));
    expect((await run.result).status).toBe('completed');
    expectSameTree(out, src);
    const rated = frames.filter((p) => (p.bytesRate ?? 0) > 0);
    expect(rated.length).toBeGreaterThan(0);
    for (const p of rated) expect(p.bytesRate!).toBeLessThan(MiB / 0.02);
    expect(slow).toBeGreaterThan(0);
  });
});
