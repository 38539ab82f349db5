import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConflictPolicy } from '../../../src/jobs/copy/types.js';
import type { JobRun } from '../../../src/index.js';
import { tempDir } from '../../machines/helpers.js';
import { pausedOrResult, resume, start, workspace } from './copyWorkspace.js';
import { leftovers, snapshot } from './tree.js';

/**
 * Nothing is ever written outside the destination through a symlink that appeared inside it: a symlink (or
 * other non-directory) where a planned directory goes is a conflict — replaced itself (never followed) under
 * `overwrite`, else the job stops with CopyConflictError — and a directory between the destination and an item
 * swapped for a symlink (between batches, or while the job was paused) stops the job before anything is written
 * through it. complete's mode and times are not set through a symlink either.
 */

function setup() {
  const root = tempDir();
  const src = path.join(root, 'src');
  fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(src, 'sub', 'notes.txt'), 'SOURCE DATA');
  fs.writeFileSync(path.join(src, 'sub', 'more.txt'), 'MORE SOURCE DATA');
  fs.chmodSync(path.join(src, 'sub'), 0o750);
  const victim = path.join(root, 'victim');
  fs.mkdirSync(victim);
  fs.writeFileSync(path.join(victim, 'notes.txt'), 'VICTIM ORIGINAL');
  fs.chmodSync(victim, 0o755);
  fs.utimesSync(victim, 1_000_000_000, 1_000_000_000);
  const dest = path.join(root, 'dest');
  fs.mkdirSync(dest);
  return { root, src, victim, dest };
}

function expectVictimUntouched(victim: string): void {
  expect(fs.readdirSync(victim)).toEqual(['notes.txt']);
  expect(fs.readFileSync(path.join(victim, 'notes.txt'), 'utf8')).toBe('VICTIM ORIGINAL');
  const st = fs.lstatSync(victim);
  expect(st.mode & 0o7777).toBe(0o755);
  expect(st.mtimeMs).toBe(1_000_000_000_000);
}

describe('copy: a symlink in place of a planned directory is never followed', () => {
  it('appeared where a planned directory goes, --on-conflict overwrite: the symlink itself is replaced by the directory', async () => {
    const ws = workspace();
    const t = setup();
    const run = start(
      ws,
      { sources: [t.src], destination: t.dest, onConflict: 'overwrite' },
      {
        afterPlan: () => {
          fs.mkdirSync(path.join(t.dest, 'src'));
          fs.symlinkSync(t.victim, path.join(t.dest, 'src', 'sub'));
        },
      },
    );
    const result = await run.result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expectVictimUntouched(t.victim);
    const sub = path.join(t.dest, 'src', 'sub');
    expect(fs.lstatSync(sub).isDirectory()).toBe(true);
    expect(fs.readFileSync(path.join(sub, 'notes.txt'), 'utf8')).toBe('SOURCE DATA');
    expect(fs.lstatSync(sub).mode & 0o7777).toBe(0o750);
    expect(result.output).toMatchObject({ overwritten: 1 });
    expect(leftovers(t.dest)).toEqual([]);
  });

  for (const policy of ['abort', 'rename', 'skip'] as ConflictPolicy[]) {
    it(`appeared where a planned directory goes, --on-conflict ${policy}: CopyConflictError, left alone`, async () => {
      const ws = workspace();
      const t = setup();
      const link = path.join(t.dest, 'src', 'sub');
      const run = start(
        ws,
        { sources: [t.src], destination: t.dest, onConflict: policy },
        {
          afterPlan: () => {
            fs.mkdirSync(path.join(t.dest, 'src'));
            fs.symlinkSync(t.victim, link);
          },
        },
      );
      const result = await run.result;
      expect(result.status).toBe('failed');
      expect(result.failure?.name).toBe('CopyConflictError');
      expect(result.failure?.message).toMatch(/sub is not a directory .*nothing was written through it/);
      expectVictimUntouched(t.victim);
      expect(fs.readlinkSync(link)).toBe(t.victim);
      expect(leftovers(t.dest)).toEqual([]);
    });
  }

  it('a directory of the copy swapped for a symlink between two batches: the job stops, nothing is written through it', async () => {
    const ws = workspace();
    const t = setup();
    const sub = path.join(t.dest, 'src', 'sub');
    let swapped = false;
    const run = start(
      ws,
      { sources: [t.src], destination: t.dest, onConflict: 'overwrite', batchSize: 1 },
      {
        afterCommit: () => {
          if (swapped || !fs.existsSync(sub)) return;
          if (!fs.readdirSync(sub).some((n) => !n.startsWith('.phasekit-'))) return;
          swapped = true; // one file of sub is copied: sub is swapped before the next batch
          fs.renameSync(sub, path.join(t.root, 'moved-away'));
          fs.symlinkSync(t.victim, sub);
        },
      },
    );
    const result = await run.result;
    expect(swapped).toBe(true);
    expect(result.status).toBe('failed');
    expect(result.failure?.name).toBe('CopyConflictError');
    expectVictimUntouched(t.victim);
    expect(fs.readlinkSync(sub)).toBe(t.victim);
  });

  it('a directory above a planned one swapped while the job was paused: the resumed job stops before writing through it', async () => {
    const ws = workspace();
    const t = setup();
    fs.mkdirSync(path.join(t.src, 'sub', 'deeper'));
    fs.writeFileSync(path.join(t.src, 'sub', 'deeper', 'deep.txt'), 'DEEP SOURCE');
    // The victim holds what a copy through the symlink would write into.
    fs.mkdirSync(path.join(t.victim, 'deeper'));
    fs.utimesSync(t.victim, 1_000_000_000, 1_000_000_000);
    const victimBefore = snapshot(t.victim);
    let run!: JobRun;
    run = start(
      ws,
      { sources: [t.src], destination: t.dest, onConflict: 'overwrite', batchSize: 1 },
      { afterCommit: (seq) => void (seq === 2 && run.pause()) }, // src and src/sub made
    );
    expect(await pausedOrResult(run)).toBe('paused');
    const sub = path.join(t.dest, 'src', 'sub');
    fs.renameSync(sub, path.join(t.root, 'moved-away'));
    fs.symlinkSync(t.victim, sub);
    run = await resume(ws, run.id);
    const result = await run.result;
    expect(result.status).toBe('failed');
    expect(result.failure?.name).toBe('CopyConflictError');
    expect(snapshot(t.victim)).toEqual(victimBefore);
    expect(fs.readlinkSync(sub)).toBe(t.victim);
  });

  for (const swap of ['the directory', 'a directory above it'] as const) {
    it(`complete does not set mode and times through a symlink put in place of ${swap}`, async () => {
      const ws = workspace();
      const t = setup();
      // For "above": dest/src swapped for a symlink to a directory holding a `sub` of its own.
      const outer = path.join(t.root, 'outer');
      fs.mkdirSync(outer);
      fs.renameSync(t.victim, path.join(outer, 'sub'));
      const victim = path.join(outer, 'sub');
      fs.utimesSync(victim, 1_000_000_000, 1_000_000_000);
      const swapAt = swap === 'the directory' ? path.join(t.dest, 'src', 'sub') : path.join(t.dest, 'src');
      const target = swap === 'the directory' ? victim : outer;
      let swapped = false;
      const run = start(
        ws,
        { sources: [t.src], destination: t.dest },
        {
          afterCommit: () => {
            if (swapped) return;
            swapped = true; // everything is copied (one batch); complete comes next
            fs.renameSync(swapAt, path.join(t.root, 'moved-away'));
            fs.symlinkSync(target, swapAt);
          },
        },
      );
      const result = await run.result;
      expect(swapped).toBe(true);
      expectVictimUntouched(victim);
      expect(result.errors.some((e) => /no longer a directory/.test(e.message))).toBe(true);
    });
  }
});
