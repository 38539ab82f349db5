import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CopyRefusedError } from '../../../src/jobs/copy/CopyRefusedError.js';
import { conflictName } from '../../../src/jobs/copy/conflictName.js';
import { copyJob } from '../../../src/jobs/copy/copyJob.js';
import type { CopyInput } from '../../../src/jobs/copy/types.js';
import { copySmallFile, sameSmallContent, smallCopier } from '../../../src/jobs/copy/writeFiles.js';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { resumeJob, runJob } from '../../../src/index.js';
import { SqliteStore } from '../../../src/sqlite.js';
import { tempDir } from '../../machines/helpers.js';
import { expectSameTree, leftovers, makeTree, patterned, snapshot, writeBig } from './tree.js';

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

function workspace() {
  const dir = tempDir();
  const library = openLibrary(path.join(dir, 'library.db'));
  const store = new SqliteStore(library.db);
  open.push(library);
  return { library, store, dir };
}

async function copy(ws: ReturnType<typeof workspace>, input: CopyInput) {
  const run = runJob(copyJob, input, { store: ws.store, deps: { library: ws.library } });
  return { run, result: await run.result };
}

describe('copy job', () => {
  it('copies a tree (200 MiB file in chunks, empty files, symlinks, a non-UTF-8 name, modes, times) identically, verified, leaving no temporary files or plan', async () => {
    const ws = workspace();
    const src = path.join(tempDir(), 'src');
    makeTree(src);
    const dest = path.join(tempDir(), 'copy');
    const { result } = await copy(ws, {
      sources: [src],
      destination: dest,
      verify: true,
      chunkSize: 32 << 20,
    });
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(result.errorCount).toBe(0);
    expectSameTree(dest, src);
    expect(leftovers(dest)).toEqual([]);
    expect(result.output).toMatchObject({
      files: 11,
      symlinks: 4,
      rewritten: 0,
      verified: 11,
      totalFiles: 11,
    });
    expect(result.output!.bytes).toBe(result.output!.totalBytes);
    expect(ws.library.db.prepare('SELECT count(*) FROM job_plans').pluck().get()).toBe(0);
    // Symlinks are copied as links, never followed out of the tree.
    expect(fs.readlinkSync(path.join(dest, 'outside'))).toBe('/etc/hostname');
    expect(fs.lstatSync(path.join(dest, 'dir-link')).isSymbolicLink()).toBe(true);
  }, 60_000);

  it('verification compares BLAKE3 of source and copy (small files: the digest taken while copying)', () => {
    const base = tempDir();
    const src = Buffer.from(path.join(base, 'a'));
    const tmp = Buffer.from(path.join(base, 'b'));
    fs.writeFileSync(src, patterned(300_000, 5));
    const copier = smallCopier();
    copier.hash = true;
    copySmallFile(
      src,
      tmp,
      { mode: 0o640, atimeMs: 1e12, mtimeMs: 1e12 + 5, preserveTimestamps: true, durable: false },
      copier,
    );
    expect(copier.sourceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(sameSmallContent(src, tmp, copier)).toBe(true);
    expect(fs.statSync(tmp).mode & 0o7777).toBe(0o640);
    expect(Math.abs(fs.statSync(tmp).mtimeMs - (1e12 + 5))).toBeLessThan(0.01);
    const fd = fs.openSync(tmp, 'r+');
    fs.writeSync(fd, Buffer.from([0xff]), 0, 1, 150_000); // one byte flipped on disk
    fs.closeSync(fd);
    expect(sameSmallContent(src, tmp, copier)).toBe(false);
  });

  it('copies into an existing directory under the source name, several sources at once, and a single file to a new name', async () => {
    const ws = workspace();
    const base = tempDir();
    fs.mkdirSync(path.join(base, 'x'));
    fs.writeFileSync(path.join(base, 'x/f'), 'f');
    fs.writeFileSync(path.join(base, 'g.txt'), 'g');
    fs.mkdirSync(path.join(base, 'out'));
    expect(
      (
        await copy(ws, {
          sources: [path.join(base, 'x'), path.join(base, 'g.txt')],
          destination: path.join(base, 'out'),
        })
      ).result.status,
    ).toBe('completed');
    expect(fs.readFileSync(path.join(base, 'out/x/f'), 'utf8')).toBe('f');
    expect(fs.readFileSync(path.join(base, 'out/g.txt'), 'utf8')).toBe('g');
    expect(
      (await copy(ws, { sources: [path.join(base, 'g.txt')], destination: path.join(base, 'h.txt') })).result
        .status,
    ).toBe('completed');
    expect(fs.readFileSync(path.join(base, 'h.txt'), 'utf8')).toBe('g');
  });

  describe('conflicts', () => {
    function setup() {
      const base = tempDir();
      fs.mkdirSync(path.join(base, 'src/sub'), { recursive: true });
      fs.writeFileSync(path.join(base, 'src/a.txt'), 'new a');
      fs.writeFileSync(path.join(base, 'src/sub/b'), 'new b');
      fs.writeFileSync(path.join(base, 'src/c.txt'), 'new c');
      fs.mkdirSync(path.join(base, 'dst/src/sub'), { recursive: true });
      fs.writeFileSync(path.join(base, 'dst/src/a.txt'), 'old a');
      fs.writeFileSync(path.join(base, 'dst/src/a (1).txt'), 'old a1');
      fs.writeFileSync(path.join(base, 'dst/src/sub/b'), 'old b');
      return { src: path.join(base, 'src'), dst: path.join(base, 'dst'), out: path.join(base, 'dst/src') };
    }
    const read = (f: string) => fs.readFileSync(f, 'utf8');

    it('overwrite replaces existing files and merges directories', async () => {
      const { src, dst, out } = setup();
      const { result } = await copy(workspace(), {
        sources: [src],
        destination: dst,
        onConflict: 'overwrite',
      });
      expect(result.status).toBe('completed');
      expect([
        read(`${out}/a.txt`),
        read(`${out}/sub/b`),
        read(`${out}/c.txt`),
        read(`${out}/a (1).txt`),
      ]).toEqual(['new a', 'new b', 'new c', 'old a1']);
      expect(result.output).toMatchObject({ overwritten: 2, files: 3 });
    });

    it('rename picks "name (n).ext" that is free', async () => {
      const { src, dst, out } = setup();
      const { result } = await copy(workspace(), { sources: [src], destination: dst, onConflict: 'rename' });
      expect(result.status).toBe('completed');
      expect([
        read(`${out}/a.txt`),
        read(`${out}/a (1).txt`),
        read(`${out}/a (2).txt`),
        read(`${out}/sub/b`),
        read(`${out}/sub/b (1)`),
      ]).toEqual(['old a', 'old a1', 'new a', 'old b', 'new b']);
      expect(result.output).toMatchObject({ conflictsRenamed: 2 });
    });

    it('skip leaves existing paths alone and copies the rest', async () => {
      const { src, dst, out } = setup();
      const { result } = await copy(workspace(), { sources: [src], destination: dst, onConflict: 'skip' });
      expect(result.status).toBe('completed');
      expect([read(`${out}/a.txt`), read(`${out}/sub/b`), read(`${out}/c.txt`)]).toEqual([
        'old a',
        'old b',
        'new c',
      ]);
      expect(result.output).toMatchObject({ skipped: 2, files: 1 });
    });

    it('abort (the default) refuses before writing anything', async () => {
      const { src, dst, out } = setup();
      const { result } = await copy(workspace(), { sources: [src], destination: dst });
      expect(result.status).toBe('failed');
      expect(result.failure?.message).toMatch(/2 destination path\(s\) exist already.*--on-conflict/);
      expect(fs.existsSync(`${out}/c.txt`)).toBe(false);
    });

    it('names alternatives with the extension kept, bytes preserved', () => {
      expect(conflictName(Buffer.from('photo.jpg'), 1).toString()).toBe('photo (1).jpg');
      expect(conflictName(Buffer.from('.bashrc'), 2).toString()).toBe('.bashrc (2)');
      expect(conflictName(Buffer.from([0xe9, 0x2e, 0x74]), 3)).toEqual(
        Buffer.from([0xe9, 0x20, 0x28, 0x33, 0x29, 0x2e, 0x74]),
      );
    });
  });

  describe('refusals, before anything is written', () => {
    it('refuses a copy or move into itself, a missing source, and several sources onto a file', async () => {
      const ws = workspace();
      const base = tempDir();
      fs.mkdirSync(path.join(base, 'd/e'), { recursive: true });
      fs.writeFileSync(path.join(base, 'f'), 'f');
      const cases: [CopyInput, string][] = [
        [{ sources: [path.join(base, 'd')], destination: path.join(base, 'd/e') }, 'into-itself'],
        [{ sources: [path.join(base, 'd')], destination: path.join(base, 'd/new') }, 'into-itself'],
        [{ sources: [path.join(base, 'd')], destination: path.join(base, 'd'), move: true }, 'into-itself'],
        [{ sources: [path.join(base, 'nope')], destination: path.join(base, 'x') }, 'missing-source'],
        [
          { sources: [path.join(base, 'd'), path.join(base, 'f')], destination: path.join(base, 'f') },
          'not-a-directory',
        ],
      ];
      for (const [input, reason] of cases) {
        const run = runJob(copyJob, input, { store: ws.store, deps: { library: ws.library } });
        const result = await run.result;
        expect(result.status).toBe('failed');
        expect(result.failure?.name).toBe('CopyRefusedError');
        expect(result.failure?.message, reason).toBeTruthy();
      }
      expect(fs.readdirSync(path.join(base, 'd/e'))).toEqual([]);
      expect(fs.existsSync(path.join(base, 'x'))).toBe(false);
      // The reason is on the error class too.
      expect(new CopyRefusedError('m', 'no-room', '/x').reason).toBe('no-room');
    });

    it('refuses when the destination filesystem has no room for the estimate (statfs), writing nothing', async () => {
      const ws = workspace();
      const base = tempDir();
      fs.mkdirSync(path.join(base, 'src'));
      fs.writeFileSync(path.join(base, 'src/small'), 'x');
      // A sparse file larger than any free space here: costs no blocks, but its size must be copied.
      const free = fs.statfsSync(base);
      fs.ftruncateSync(
        fs.openSync(path.join(base, 'src/huge'), 'w'),
        Number(free.bavail) * free.bsize + 2 ** 30,
      );
      const { result } = await copy(ws, {
        sources: [path.join(base, 'src')],
        destination: path.join(base, 'out'),
      });
      expect(result.status).toBe('failed');
      expect(result.failure?.message).toMatch(/Not enough room: the copy needs \d+ bytes/);
      expect(fs.existsSync(path.join(base, 'out'))).toBe(false);
    });
  });

  it('pauses inside a large file and resumes from its checkpointed offset, writing at most one chunk again', async () => {
    const ws = workspace();
    const base = tempDir();
    fs.mkdirSync(path.join(base, 'src'));
    writeBig(path.join(base, 'src/big'), 24 << 20, 3);
    fs.writeFileSync(path.join(base, 'src/small'), patterned(1000, 1));
    const input: CopyInput = {
      sources: [path.join(base, 'src')],
      destination: path.join(base, 'out'),
      chunkSize: 1 << 20,
    };
    const run = runJob(copyJob, input, { store: ws.store, deps: { library: ws.library } });
    let checkpoints = 0;
    run.events$.subscribe((e) => {
      if (e.type === 'checkpointed' && ++checkpoints === 8) void run.pause();
    });
    const first = await Promise.race([
      run.result,
      new Promise<'paused'>((r) => run.events$.subscribe((e) => e.type === 'paused' && r('paused'))),
    ]);
    expect(first).toBe('paused');
    await run.pause();
    // Mid-file: the temporary file holds part of it, nothing is under the final name.
    expect(fs.existsSync(path.join(base, 'out/big'))).toBe(false);
    expect(leftovers(path.join(base, 'out')).length).toBe(1);
    const resumed = await resumeJob(copyJob, run.id, { store: ws.store, deps: { library: ws.library } });
    const result = await resumed.result;
    expect(result.status).toBe('completed');
    expectSameTree(path.join(base, 'out'), path.join(base, 'src'));
    expect(result.output!.rewritten).toBeLessThanOrEqual(1 << 20);
    expect(leftovers(path.join(base, 'out'))).toEqual([]);
  });

  it('moves within a device with one rename, and across devices by copy, verify and removal', async () => {
    const ws = workspace();
    const base = tempDir();
    const src = path.join(base, 'src');
    makeTree(src, 3 << 20);
    const expected = snapshot(src);
    const reference = path.join(tempDir(), 'reference');
    expect((await copy(ws, { sources: [src], destination: reference })).result.status).toBe('completed');
    const { result } = await copy(ws, { sources: [src], destination: path.join(base, 'moved'), move: true });
    expect(result.status).toBe('completed');
    expect(result.output).toMatchObject({ renamed: 1 });
    expect(fs.existsSync(src)).toBe(false);
    expectSameTree(path.join(base, 'moved'), reference);

    if (!fs.existsSync('/dev/shm') || fs.statSync('/dev/shm').dev === fs.statSync(base).dev) return;
    const shm = fs.mkdtempSync(path.join('/dev/shm', 'phasekit-'));
    try {
      const across = await copy(ws, {
        sources: [path.join(base, 'moved')],
        destination: path.join(shm, 'there'),
        move: true,
        chunkSize: 1 << 20,
      });
      expect(across.result.status, JSON.stringify(across.result.errors)).toBe('completed');
      expect(across.result.output).toMatchObject({ renamed: 0, verified: 11, sourcesRemoved: 15 });
      expect(fs.existsSync(path.join(base, 'moved'))).toBe(false);
      expectSameTree(path.join(shm, 'there'), reference);
      expect(snapshot(path.join(shm, 'there'))).toEqual(expected);
    } finally {
      fs.rmSync(shm, { recursive: true, force: true });
    }
  });

  it('keeps an indexed destination true without a re-index: the library matches a fresh index', async () => {
    const ws = workspace();
    const base = tempDir();
    const lib = path.join(base, 'lib');
    fs.mkdirSync(path.join(lib, 'old'), { recursive: true });
    fs.writeFileSync(path.join(lib, 'old/kept'), 'kept');
    const src = path.join(base, 'src');
    makeTree(src, 1 << 20);
    const idx = await runJob(indexerJob, { path: lib }, { store: ws.store, deps: { library: ws.library } })
      .result;
    expect(idx.status).toBe('completed');
    expect((await copy(ws, { sources: [src], destination: path.join(lib, 'old') })).result.status).toBe(
      'completed',
    );
    const dump = (library: Library) =>
      library.db
        .prepare(
          `WITH RECURSIVE p(id, path) AS (SELECT id, '' FROM entries WHERE parent_id IS NULL
           UNION ALL SELECT e.id, p.path || '/' || hex(e.name) FROM entries e JOIN p ON e.parent_id = p.id)
           SELECT p.path, e.kind, e.size, e.aggregate_size AS agg, e.file_count AS files, e.child_count AS children
           FROM p JOIN entries e ON e.id = p.id ORDER BY p.path`,
        )
        .all();
    const fresh = workspace();
    expect(
      (
        await runJob(indexerJob, { path: lib }, { store: fresh.store, deps: { library: fresh.library } })
          .result
      ).status,
    ).toBe('completed');
    expect(dump(ws.library)).toEqual(dump(fresh.library));
  });
});

// Keep os imported for platforms without /dev/shm in the move test.
void os;
