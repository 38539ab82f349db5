import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyJob } from '../../../src/jobs/copy/copyJob.js';
import { createJobManager, type JobRun } from '../../../src/index.js';
import { tempDir } from '../../machines/helpers.js';
import { pausedOrResult, planRows, start, workspace } from './copyWorkspace.js';
import { leftovers } from './tree.js';

/**
 * A copy that ends cancelled or failed leaves what it copied, as `cp` does — and the directories it made get
 * their sources' modes and times, as *complete* gives them: none stays at the 0700 it was made with (so a
 * read-only source could be filled). It used to leave them all drwx------.
 */

const T_SRC = 1_500_000_000;
const T_SUB = 1_500_000_100;

function setup() {
  const root = tempDir();
  const src = path.join(root, 'src');
  fs.mkdirSync(path.join(src, 'sub', 'deeper'), { recursive: true });
  for (const name of ['a.txt', 'b.txt', 'c.txt']) fs.writeFileSync(path.join(src, 'sub', name), name);
  fs.writeFileSync(path.join(src, 'sub', 'deeper', 'd.txt'), 'd');
  fs.chmodSync(path.join(src, 'sub', 'deeper'), 0o711);
  fs.chmodSync(path.join(src, 'sub'), 0o750);
  fs.chmodSync(src, 0o755);
  fs.utimesSync(path.join(src, 'sub', 'deeper'), T_SUB + 50, T_SUB + 50);
  fs.utimesSync(path.join(src, 'sub'), T_SUB, T_SUB);
  fs.utimesSync(src, T_SRC, T_SRC);
  const dest = path.join(root, 'dest');
  fs.mkdirSync(dest);
  return { src, dest, copy: path.join(dest, 'src') };
}

/** The directories of the copy that exist (at least `expected`) have their sources' modes and times. */
function expectSourceModes(t: ReturnType<typeof setup>, expected: string[]): void {
  const seen: string[] = [];
  for (const rel of ['', 'sub', 'sub/deeper']) {
    const made = fs.lstatSync(path.join(t.copy, rel), { throwIfNoEntry: false });
    if (!made) continue;
    seen.push(rel);
    const source = fs.lstatSync(path.join(t.src, rel));
    expect((made.mode & 0o7777).toString(8), rel).toBe((source.mode & 0o7777).toString(8));
    expect(made.mtimeMs, rel).toBe(source.mtimeMs);
  }
  expect(seen).toEqual(expect.arrayContaining(expected));
}

describe('copy: the directories a cancelled or failed copy made get their sources modes and times', () => {
  it('cancel of a paused copy, from code', async () => {
    const ws = workspace();
    const t = setup();
    let run!: JobRun;
    // Pause once src, sub and two items in sub are done: the rest is never copied.
    run = start(
      ws,
      { sources: [t.src], destination: t.dest, batchSize: 1 },
      { afterCommit: (seq) => void (seq === 4 && run.pause()) },
    );
    expect(await pausedOrResult(run)).toBe('paused');
    expect(fs.lstatSync(t.copy).mode & 0o777).toBe(0o700);
    await run.cancel();
    const result = await run.result;
    expect(result.status).toBe('cancelled');
    expectSourceModes(t, ['', 'sub']);
    expect(leftovers(t.dest)).toEqual([]);
    expect(planRows(ws, run.id)).toBe(0);
  });

  it('cancel of a paused copy through the job manager (what `phasekit cancel` does: restored, not resumed)', async () => {
    const ws = workspace();
    const t = setup();
    let run!: JobRun;
    run = start(
      ws,
      { sources: [t.src], destination: t.dest, batchSize: 1 },
      { afterCommit: (seq) => void (seq === 2 && run.pause()) },
    );
    expect(await pausedOrResult(run)).toBe('paused');
    const manager = createJobManager({ store: ws.store, jobs: [copyJob], deps: { library: ws.library } });
    try {
      const result = await manager.cancel(run.id);
      expect(result.status).toBe('cancelled');
    } finally {
      await manager.shutdown();
    }
    expectSourceModes(t, ['', 'sub']);
    expect(planRows(ws, run.id)).toBe(0);
  });

  it('failed (CopyConflictError) in the middle of a batch, before its checkpoint: the batch made directories too', async () => {
    const ws = workspace();
    const t = setup();
    let theirs: string | undefined;
    const run = start(
      ws,
      { sources: [t.src], destination: t.dest },
      {
        // All of it is one batch: the directories are made, then a path appears where the first file goes.
        beforePlace: (item) => {
          if (theirs !== undefined) return;
          theirs = item.dst.toString();
          fs.writeFileSync(theirs, 'theirs');
        },
      },
    );
    const result = await run.result;
    expect(result.status).toBe('failed');
    expect(result.failure?.name).toBe('CopyConflictError');
    expectSourceModes(t, ['', 'sub', 'sub/deeper']);
    expect(fs.readFileSync(theirs!, 'utf8')).toBe('theirs');
    expect(leftovers(t.dest)).toEqual([]);
  });

  it('a directory that was there before (a merge) is not touched when the job never got to it', async () => {
    const ws = workspace();
    const t = setup();
    // A second source, merged into a directory already at the destination, planned after all of the first.
    const other = path.join(path.dirname(t.src), 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'o.txt'), 'o');
    fs.chmodSync(other, 0o755);
    const merged = path.join(t.dest, 'other');
    fs.mkdirSync(merged);
    fs.chmodSync(merged, 0o700);
    fs.utimesSync(merged, 1_000_000_000, 1_000_000_000);
    let run!: JobRun;
    run = start(
      ws,
      { sources: [t.src, other], destination: t.dest, batchSize: 1 },
      { afterCommit: (seq) => void (seq === 1 && run.pause()) },
    );
    expect(await pausedOrResult(run)).toBe('paused');
    await run.cancel();
    expect((await run.result).status).toBe('cancelled');
    expectSourceModes(t, ['']);
    const st = fs.lstatSync(merged);
    expect(st.mode & 0o7777).toBe(0o700);
    expect(st.mtimeMs).toBe(1_000_000_000_000);
  });
});
