import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HookItem } from '../../../src/jobs/copy/types.js';
import { copySmallFile, smallCopier } from '../../../src/jobs/copy/writeFiles.js';
import type { JobRun } from '../../../src/index.js';
import { tempDir } from '../../machines/helpers.js';
import { pausedOrResult, resume, start, workspace } from './copyWorkspace.js';
import { leftovers, patterned } from './tree.js';

/**
 * A temporary name is predictable (`.phasekit-<job>-<seq>.part`, the job id visible from the first one made):
 * someone who can write the destination can put a symlink there to a file of their choosing. It is never
 * followed — not when a temporary file is created (O_CREAT | O_EXCL | O_NOFOLLOW; a leftover at the name is
 * removed with lstat + unlink, never followed), not when a large file's temporary file is reopened to resume,
 * not when its mode and times are set, and not by the reflink (made into the file just created, through its
 * descriptor's path).
 */

const VICTIM = 'VICTIM ORIGINAL, must never change';
const BIG = 300 * 1024;
const CHUNK = 64 * 1024;

function setup() {
  const root = tempDir();
  const src = path.join(root, 'src');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'a.txt'), 'source a');
  fs.writeFileSync(path.join(src, 'b.txt'), 'source b');
  fs.writeFileSync(path.join(src, 'big.bin'), patterned(BIG, 3));
  fs.chmodSync(path.join(src, 'big.bin'), 0o640);
  fs.symlinkSync('a.txt', path.join(src, 'link'));
  const victim = path.join(root, 'victim.cfg');
  fs.writeFileSync(victim, VICTIM);
  fs.chmodSync(victim, 0o600);
  fs.utimesSync(victim, 1_000_000_000, 1_000_000_000);
  const dest = path.join(root, 'dest');
  return { root, src, victim, dest };
}

function expectVictimUntouched(victim: string): void {
  const st = fs.lstatSync(victim);
  expect(st.isFile()).toBe(true);
  expect(fs.readFileSync(victim, 'utf8')).toBe(VICTIM);
  expect(st.mode & 0o7777).toBe(0o600);
  expect(st.mtimeMs).toBe(1_000_000_000_000);
}

const tmpOf = (run: JobRun, item: HookItem) =>
  path.join(path.dirname(item.dst.toString()), `.phasekit-${run.id.slice(0, 8)}-${item.seq}.part`);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('copy: a symlink at a temporary name is never followed', () => {
  it('planted at every temporary name after the plan (small files, a large file, a symlink): the victim is untouched, the copies are regular files', async () => {
    const ws = workspace();
    const t = setup();
    fs.mkdirSync(path.join(t.dest, 'src'), { recursive: true }); // the copy merges into it
    let run!: JobRun;
    run = start(
      ws,
      { sources: [t.src], destination: t.dest, chunkSize: CHUNK },
      {
        afterPlan: () => {
          for (
            let seq = 2;
            seq <= 5;
            seq++ // the items after the directory (seq 1)
          )
            fs.symlinkSync(t.victim, path.join(t.dest, 'src', `.phasekit-${run.id.slice(0, 8)}-${seq}.part`));
        },
      },
    );
    const result = await run.result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expectVictimUntouched(t.victim);
    for (const name of ['a.txt', 'b.txt', 'big.bin']) {
      const copy = path.join(t.dest, 'src', name);
      expect(fs.lstatSync(copy).isFile(), name).toBe(true);
      expect(fs.readFileSync(copy).equals(fs.readFileSync(path.join(t.src, name))), name).toBe(true);
    }
    expect(fs.readlinkSync(path.join(t.dest, 'src', 'link'))).toBe('a.txt');
    expect(leftovers(t.dest)).toEqual([]);
  });

  it('a large file resumed after its temporary file was replaced by a symlink while paused: copied again from byte 0, the victim untouched', async () => {
    const ws = workspace();
    const t = setup();
    fs.writeFileSync(t.victim, Buffer.alloc(BIG, 0x56)); // bigger than the checkpointed offset
    fs.chmodSync(t.victim, 0o600);
    const before = fs.readFileSync(t.victim);
    let tmp = '';
    let run!: JobRun;
    run = start(
      ws,
      { sources: [path.join(t.src, 'big.bin')], destination: path.join(t.dest), chunkSize: CHUNK },
      {
        afterChunk: (item, offset) => {
          if (offset !== CHUNK || tmp) return;
          tmp = tmpOf(run, item);
          void run.pause();
        },
      },
    );
    fs.mkdirSync(t.dest);
    expect(await pausedOrResult(run)).toBe('paused');
    expect(fs.lstatSync(tmp).size).toBeGreaterThanOrEqual(CHUNK);
    fs.rmSync(tmp);
    fs.symlinkSync(t.victim, tmp);
    run = await resume(ws, run.id);
    const result = await run.result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(fs.readFileSync(t.victim).equals(before)).toBe(true);
    expect(fs.lstatSync(t.victim).mode & 0o7777).toBe(0o600);
    const copy = path.join(t.dest, 'big.bin');
    expect(fs.lstatSync(copy).isFile()).toBe(true);
    expect(fs.readFileSync(copy).equals(fs.readFileSync(path.join(t.src, 'big.bin')))).toBe(true);
    expect(leftovers(t.dest)).toEqual([]);
  });

  it('a large file whose temporary name is swapped for a symlink after its last chunk: mode and times are not set through it, and it is not placed', async () => {
    const ws = workspace();
    const t = setup();
    fs.mkdirSync(t.dest);
    let run!: JobRun;
    run = start(
      ws,
      { sources: [path.join(t.src, 'big.bin')], destination: t.dest, chunkSize: CHUNK },
      {
        afterChunk: (item, offset) => {
          if (offset !== BIG) return;
          const tmp = tmpOf(run, item);
          fs.renameSync(tmp, path.join(t.root, 'stolen'));
          fs.symlinkSync(t.victim, tmp);
        },
      },
    );
    const result = await run.result;
    expectVictimUntouched(t.victim);
    const copy = fs.lstatSync(path.join(t.dest, 'big.bin'), { throwIfNoEntry: false });
    expect(copy?.isSymbolicLink() ?? false).toBe(false);
    expect(copy).toBeUndefined();
    expect(result.errorCount).toBe(1);
    expect(String(result.errors[0]?.message)).toMatch(/replaced while it was written/);
    expect(leftovers(t.dest)).toEqual([]);
  });

  it('reflink: a symlink at the temporary name is not followed (the file is created first, O_EXCL | O_NOFOLLOW), and is not taken for "no reflinks here"', () => {
    // This machine has no reflink filesystem: copyFile stands in for one (the same call without FICLONE_FORCE).
    const real = fs.copyFileSync;
    const force = fs.constants.COPYFILE_FICLONE_FORCE;
    vi.spyOn(fs, 'copyFileSync').mockImplementation((from, to, mode) => real(from, to, (mode ?? 0) & ~force));
    const t = setup();
    const src = Buffer.from(path.join(t.src, 'a.txt'));
    const tmp = Buffer.from(path.join(t.root, '.phasekit-00000000-1.part'));
    fs.symlinkSync(t.victim, tmp);
    const copier = smallCopier();
    copySmallFile(
      src,
      tmp,
      { mode: 0o644, atimeMs: 1e12, mtimeMs: 1e12, preserveTimestamps: true, durable: false },
      copier,
    );
    expectVictimUntouched(t.victim);
    expect(fs.lstatSync(tmp).isFile()).toBe(true);
    expect(fs.readFileSync(tmp, 'utf8')).toBe('source a');
    expect(copier.reflink).toBe(true);
  });
});
