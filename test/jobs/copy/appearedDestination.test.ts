import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConflictPolicy, HookItem } from '../../../src/jobs/copy/types.js';
import { tempDir } from '../../machines/helpers.js';
import { canMount, pausedOrResult, planRows, resume, start, tmpfs, workspace } from './copyWorkspace.js';
import { leftovers, writeBig } from './tree.js';

const read = (f: string) => fs.readFileSync(f, 'utf8');
const named = (item: HookItem, name: string) => path.basename(item.dst.toString()) === name;

/** A directory on another device than the temp dir (a move there copies, verifies and removes). */
function otherDevice(): string {
  if (canMount) return tmpfs('64m', 10_000);
  const dir = fs.mkdtempSync('/dev/shm/phasekit-');
  return dir;
}

function smallTree() {
  const src = path.join(tempDir(), 'src');
  fs.mkdirSync(src);
  for (const n of ['a', 'b', 'c']) fs.writeFileSync(path.join(src, `${n}.txt`), `source ${n}`);
  return src;
}

describe('a path that appears at a planned destination is a conflict, never "already copied"', () => {
  const policies: [ConflictPolicy, (out: string) => void][] = [
    [
      'skip',
      (out) => {
        expect(read(`${out}/b.txt`)).toBe('theirs');
        expect(read(`${out}/c.txt`)).toBe('source c');
      },
    ],
    [
      'rename',
      (out) => {
        expect(read(`${out}/b.txt`)).toBe('theirs');
        expect(read(`${out}/b (1).txt`)).toBe('source b');
      },
    ],
    ['overwrite', (out) => expect(read(`${out}/b.txt`)).toBe('source b')],
  ];
  for (const [policy, check] of policies) {
    it(`plain copy, a file created just before the copy takes its name: --on-conflict ${policy}`, async () => {
      const ws = workspace();
      const src = smallTree();
      const out = path.join(tempDir(), 'out');
      const run = start(
        ws,
        { sources: [src], destination: out, onConflict: policy },
        { beforePlace: (item) => void (named(item, 'b.txt') && fs.writeFileSync(`${out}/b.txt`, 'theirs')) },
      );
      const result = await run.result;
      expect(result.status, JSON.stringify(result.failure)).toBe('completed');
      check(out);
      expect(read(`${out}/a.txt`)).toBe('source a');
      expect(leftovers(out)).toEqual([]);
      if (policy === 'skip') expect(result.output).toMatchObject({ skipped: 1, files: 2 });
      if (policy === 'rename') expect(result.output).toMatchObject({ conflictsRenamed: 1, files: 3 });
      if (policy === 'overwrite') expect(result.output).toMatchObject({ overwritten: 1, files: 3 });
    });
  }

  it('plain copy under --on-conflict abort: the job stops, the file that appeared is untouched, no temporary file or plan is left', async () => {
    const ws = workspace();
    const src = smallTree();
    const out = path.join(tempDir(), 'out');
    const run = start(
      ws,
      { sources: [src], destination: out },
      { beforePlace: (item) => void (named(item, 'b.txt') && fs.writeFileSync(`${out}/b.txt`, 'theirs')) },
    );
    const result = await run.result;
    expect(result.status).toBe('failed');
    expect(result.failure?.name).toBe('CopyConflictError');
    expect(result.failure?.message).toMatch(/b\.txt appeared after the copy was planned/);
    expect(read(`${out}/b.txt`)).toBe('theirs');
    expect(leftovers(out)).toEqual([]);
    expect(planRows(ws, run.id)).toBe(0);
  });

  it('a move across devices, paused, a file put at a later destination meanwhile: that source is kept, the file left alone', async () => {
    const ws = workspace();
    const src = smallTree();
    const out = path.join(otherDevice(), 'out');
    let run = start(
      ws,
      { sources: [src], destination: out, move: true, onConflict: 'skip', batchSize: 1 },
      { afterPlace: (item) => void (named(item, 'a.txt') && run.pause()) },
    );
    expect(await pausedOrResult(run)).toBe('paused');
    expect(fs.existsSync(`${src}/a.txt`)).toBe(false); // moved, then paused
    fs.writeFileSync(`${out}/b.txt`, 'theirs'); // appears while the job is paused
    run = await resume(ws, run.id);
    const result = await run.result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(read(`${out}/b.txt`)).toBe('theirs');
    expect(read(`${src}/b.txt`)).toBe('source b'); // never removed: its copy was never made
    expect(read(`${out}/c.txt`)).toBe('source c');
    expect(fs.existsSync(`${src}/c.txt`)).toBe(false);
    expect(result.output).toMatchObject({ skipped: 1, sourcesRemoved: 2 });
    expect(leftovers(out)).toEqual([]);
  });

  it('a move across devices under abort: a file appearing while paused stops the job with its source kept', async () => {
    const ws = workspace();
    const src = smallTree();
    const out = path.join(otherDevice(), 'out');
    let run = start(
      ws,
      { sources: [src], destination: out, move: true, batchSize: 1 },
      { afterPlace: (item) => void (named(item, 'a.txt') && run.pause()) },
    );
    expect(await pausedOrResult(run)).toBe('paused');
    fs.writeFileSync(`${out}/b.txt`, 'theirs');
    run = await resume(ws, run.id);
    const result = await run.result;
    expect(result.status).toBe('failed');
    expect(result.failure?.name).toBe('CopyConflictError');
    expect(read(`${out}/b.txt`)).toBe('theirs');
    expect(read(`${src}/b.txt`)).toBe('source b');
    expect(read(`${src}/c.txt`)).toBe('source c');
    expect(leftovers(out)).toEqual([]);
  });

  it('a move across devices of a large file: a file appearing at its destination during the copy keeps the source', async () => {
    const ws = workspace();
    const src = path.join(tempDir(), 'src');
    fs.mkdirSync(src);
    writeBig(path.join(src, 'big'), 3 << 20, 9);
    const out = path.join(otherDevice(), 'out');
    let made = false;
    const run = start(
      ws,
      { sources: [src], destination: out, move: true, onConflict: 'skip', chunkSize: 1 << 20 },
      {
        afterChunk: () => {
          if (!made) fs.writeFileSync(`${out}/big`, 'theirs');
          made = true;
        },
      },
    );
    const result = await run.result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(read(`${out}/big`)).toBe('theirs');
    expect(fs.statSync(`${src}/big`).size).toBe(3 << 20);
    expect(result.output).toMatchObject({ skipped: 1, sourcesRemoved: 0 });
    expect(leftovers(out)).toEqual([]);
  });

  for (const kind of ['file', 'directory'] as const) {
    it(`a move on one device (one rename) of a ${kind}: a path put at its destination after the plan (before the rename) is left alone, the source kept`, async () => {
      const ws = workspace();
      const base = tempDir();
      const src = path.join(base, 'thing');
      if (kind === 'file') fs.writeFileSync(src, 'source');
      else {
        fs.mkdirSync(src);
        fs.writeFileSync(path.join(src, 'inner'), 'source');
      }
      const out = path.join(base, 'moved');
      const run = start(
        ws,
        { sources: [src], destination: out, move: true, onConflict: 'skip' },
        { afterPlan: () => fs.writeFileSync(out, 'theirs') },
      );
      const result = await run.result;
      expect(result.status, JSON.stringify(result.failure)).toBe('completed');
      expect(read(out)).toBe('theirs');
      expect(fs.existsSync(src)).toBe(true);
      expect(result.output).toMatchObject({ renamed: 0, skipped: 1 });
    });
  }
});
