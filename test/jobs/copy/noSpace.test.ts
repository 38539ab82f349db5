import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../machines/helpers.js';
import { canMount, pausedOrResult, resume, start, tmpfs, workspace } from './copyWorkspace.js';
import { expectSameTree, leftovers, patterned, writeBig } from './tree.js';

/** Fill `dir`'s filesystem until `leave` bytes are free; returns the filler's path. */
function fillUntil(dir: string, leave: number): string {
  const filler = path.join(dir, 'filler');
  const st = fs.statfsSync(dir);
  const free = Number(st.bavail) * st.bsize;
  const fd = fs.openSync(filler, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  let left = Math.max(0, free - leave);
  while (left > 0) left -= fs.writeSync(fd, block, 0, Math.min(block.length, left));
  fs.closeSync(fd);
  return filler;
}

describe.skipIf(!canMount)('a full destination (real tmpfs mounts, as root)', () => {
  it('the room check counts inodes: 150 files onto a filesystem with 50 inodes are refused before anything is written', async () => {
    const ws = workspace();
    const src = path.join(tempDir(), 'src');
    fs.mkdirSync(src);
    for (let i = 0; i < 150; i++) fs.writeFileSync(path.join(src, `f${i}`), `file ${i}`);
    const mount = tmpfs('8m', 50);
    const result = await start(ws, { sources: [src], destination: path.join(mount, 'out') }).result;
    expect(result.status).toBe('failed');
    expect(result.failure?.name).toBe('CopyRefusedError');
    expect(result.failure?.message).toMatch(/Not enough inodes: the copy needs 151 /);
    expect(fs.readdirSync(mount)).toEqual([]);
  });

  it('small files: the disk filled after the room check pauses the job with no temporary file left; resumed after freeing space, it copies the rest', async () => {
    const ws = workspace();
    const src = path.join(tempDir(), 'src');
    fs.mkdirSync(src);
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(src, `f${i}`), patterned(32 * 1024, i));
    const mount = tmpfs('2m', 1000);
    const out = path.join(mount, 'out');
    let filler = '';
    let run = start(
      ws,
      { sources: [src], destination: out },
      {
        afterRoomCheck: () => {
          filler = fillUntil(mount, 300 * 1024);
        },
      },
    );
    expect(await pausedOrResult(run)).toBe('paused');
    expect(leftovers(out)).toEqual([]);
    const copied = fs.readdirSync(out);
    expect(copied.length).toBeGreaterThan(0);
    expect(copied.length).toBeLessThan(40);
    for (const name of copied)
      expect(fs.readFileSync(path.join(out, name))).toEqual(fs.readFileSync(path.join(src, name)));
    expect((await ws.store.load(run.id))?.record.status).toBe('paused');

    fs.rmSync(filler);
    run = await resume(ws, run.id);
    const result = await run.result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    // The pause is told as a warning, not as a failed path.
    expect(result.errors.map((e) => e.details?.op)).toEqual(['no-space']);
    expect(result.errors[0].message).toMatch(
      /The destination is full \(ENOSPC\).*Free some space, then resume/,
    );
    expect(result.output).toMatchObject({ files: 40, failed: 0, noSpacePauses: 1 });
    expectSameTree(out, src);
    expect(leftovers(out)).toEqual([]);
  });

  it('a large file: the disk filled mid-file pauses with the partial copy cut to its checkpoint; resumed, it goes on from there', async () => {
    const ws = workspace();
    const src = path.join(tempDir(), 'src');
    fs.mkdirSync(src);
    writeBig(path.join(src, 'big'), 1536 * 1024, 4);
    const mount = tmpfs('2m', 1000);
    const out = path.join(mount, 'out');
    const chunk = 256 * 1024;
    let filler = '';
    let run = start(
      ws,
      { sources: [src], destination: out, chunkSize: chunk },
      {
        afterRoomCheck: () => {
          filler = fillUntil(mount, 700 * 1024);
        },
      },
    );
    expect(await pausedOrResult(run)).toBe('paused');
    const parts = leftovers(out);
    expect(parts.length).toBe(1);
    const kept = fs.statSync(parts[0]).size;
    expect(kept % chunk).toBe(0);
    expect(kept).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(out, 'big'))).toBe(false);

    fs.rmSync(filler);
    run = await resume(ws, run.id);
    const result = await run.result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(result.output).toMatchObject({ files: 1, failed: 0, noSpacePauses: 1, rewritten: 0 });
    expectSameTree(out, src);
    expect(leftovers(out)).toEqual([]);
  });
});
