import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { tempPathFor } from '../../../src/jobs/fs/bytePaths.js';
import type { HookItem } from '../../../src/jobs/copy/types.js';
import type { JobRun } from '../../../src/index.js';
import { tempDir } from '../../machines/helpers.js';
import { canMount, start, tmpfs, workspace } from './copyWorkspace.js';
import { leftovers } from './tree.js';

/**
 * A small file's temporary name is linked into place by path, so someone who can write the destination can
 * swap it, after it was written (and verified), for a file of theirs. The copy's identity is taken from its
 * descriptor while it is written (`fstat`), and its final name is checked against it before the item counts
 * as placed: a swapped one fails (its path reported), a move keeps its source, and the other file is left
 * alone. Before the fix a plain copy counted the stranger's file as its copy, and a move across devices whose
 * swap landed between verification and the identity `lstat` of the temporary name removed its source.
 */

const THEIRS = 'THEIRS, not the source';

afterEach(() => {
  vi.restoreAllMocks();
});

function source() {
  const root = tempDir();
  const src = path.join(root, 'src');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'a.txt'), 'version 1');
  fs.writeFileSync(path.join(src, 'b.txt'), 'b');
  const theirs = path.join(root, 'theirs.txt');
  fs.writeFileSync(theirs, THEIRS);
  return { root, src, theirs };
}

/** A directory on another device than the temp dir (a move there copies, verifies and removes). */
function otherDevice(): string {
  if (canMount) return tmpfs('16m', 1000);
  const dir = fs.mkdtempSync('/dev/shm/phasekit-');
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Swaps a.txt's temporary name for a link to `theirs` (the copy moved aside) at the first moment after it was
 * written that the job looks at that name again: an `lstat` of it, or `beforePlace`.
 */
function swapper(getRun: () => JobRun, src: string, dest: string, theirs: string, aside: string) {
  let tmp: Buffer | undefined;
  let swapped = false;
  const swap = () => {
    if (swapped || tmp === undefined || !fs.existsSync(tmp)) return;
    swapped = true;
    fs.renameSync(tmp, aside);
    fs.linkSync(theirs, tmp);
  };
  const lstat = fs.lstatSync;
  vi.spyOn(fs, 'lstatSync').mockImplementation(((p: fs.PathLike, o?: fs.StatSyncOptions) => {
    if (tmp !== undefined && Buffer.from(p as string | Buffer).equals(tmp)) swap();
    return lstat(p, o);
  }) as typeof fs.lstatSync);
  return {
    hooks: {
      // The plan is made: a.txt's seq is its place in the walk (src first, then its entries in directory order).
      afterPlan: () => {
        const seq = 2 + fs.readdirSync(src).indexOf('a.txt');
        tmp = tempPathFor(Buffer.from(path.join(dest, 'a.txt')), getRun().id, seq);
      },
      beforePlace: (item: HookItem) => void (item.dst.toString().endsWith('/a.txt') && swap()),
    },
    swapped: () => swapped,
  };
}

describe('copy: a temporary name swapped before it takes its final name', () => {
  it('a plain copy: the item fails with its path, the other file is left alone, the rest is copied', async () => {
    const ws = workspace();
    const t = source();
    const dest = path.join(t.root, 'dest');
    let run!: JobRun;
    const s = swapper(() => run, t.src, dest, t.theirs, path.join(t.root, 'aside'));
    run = start(ws, { sources: [t.src], destination: dest }, s.hooks);
    const result = await run.result;
    expect(s.swapped()).toBe(true);
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(result.output).toMatchObject({ files: 1, failed: 1 });
    expect(result.errors.some((e) => /a\.txt is not the copy written/.test(e.message))).toBe(true);
    expect(fs.readFileSync(t.theirs, 'utf8')).toBe(THEIRS);
    expect(fs.readFileSync(path.join(dest, 'b.txt'), 'utf8')).toBe('b');
    expect(leftovers(dest)).toEqual([]);
  });

  it('a move across devices: the source is kept, the other file is left alone', async () => {
    const ws = workspace();
    const t = source();
    const dest = path.join(otherDevice(), 'dest');
    // Theirs, on the destination's device (the one they can write).
    const theirs = path.join(path.dirname(dest), 'theirs.txt');
    fs.copyFileSync(t.theirs, theirs);
    let run!: JobRun;
    const s = swapper(() => run, t.src, dest, theirs, path.join(path.dirname(dest), 'aside'));
    run = start(ws, { sources: [t.src], destination: dest, move: true }, s.hooks);
    const result = await run.result;
    expect(s.swapped()).toBe(true);
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(result.output).toMatchObject({ failed: 1, sourcesRemoved: 1 });
    expect(fs.readFileSync(path.join(t.src, 'a.txt'), 'utf8')).toBe('version 1');
    expect(fs.existsSync(path.join(t.src, 'b.txt'))).toBe(false);
    expect(result.errors.some((e) => /a\.txt is not the copy written/.test(e.message))).toBe(true);
    expect(fs.readFileSync(theirs, 'utf8')).toBe(THEIRS);
    expect(leftovers(dest)).toEqual([]);
  });
});
