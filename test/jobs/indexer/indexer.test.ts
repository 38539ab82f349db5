import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { resumeJob, runJob } from '../../../src/index.js';
import { SqliteStore } from '../../../src/sqlite.js';
import { tempDir } from '../../machines/helpers.js';
import { BAD_NAME, makeTree, walkDisk } from './tree.js';
import { getContentIdentity } from '../../../src/jobs/library/contentIdentities.js';
import { entriesOfLocation, getEntry, pathOf } from '../../../src/jobs/library/entries.js';
import { listLocations } from '../../../src/jobs/library/locations.js';

const open: { store: SqliteStore; library: Library }[] = [];
afterEach(() => {
  for (const { library } of open.splice(0)) library.close();
});

function workspace() {
  const dir = tempDir();
  const library = openLibrary(path.join(dir, 'library.db'));
  const store = new SqliteStore(library.db);
  open.push({ store, library });
  return { library, store, dir };
}

/** The library's entries of a location as path → entry, paths rebuilt from the parent chain. */
function libraryPaths(library: Library, locationId: number) {
  const out = new Map<
    string,
    {
      kind: string;
      size: number;
      aggregateSize: number;
      fileCount: number;
      childCount: number;
      contentId: string | null;
      id: number;
    }
  >();
  for (const row of [...entriesOfLocation(library, locationId)]) {
    if (row.parentId === null) continue;
    const full = getEntry(library, row.id)!;
    out.set(pathOf(library, row.id).toString('latin1'), {
      id: row.id,
      kind: row.kind,
      size: row.size,
      aggregateSize: full.aggregateSize,
      fileCount: full.fileCount,
      childCount: full.childCount,
      contentId: full.contentId,
    });
  }
  return out;
}

async function index(ws: ReturnType<typeof workspace>, root: string, extra: object = {}) {
  const run = runJob(
    indexerJob,
    { path: root, ...extra },
    { store: ws.store, deps: { library: ws.library } },
  );
  const result = await run.result;
  expect(result.status, JSON.stringify(result.failure)).toBe('completed');
  return result;
}

describe('the indexer', () => {
  it('records a generated tree exactly: one entry per path, right kinds, sizes, parents and totals', async () => {
    const ws = workspace();
    const root = path.join(tempDir(), 'tree');
    makeTree(root);
    const result = await index(ws, root, { rules: { git: false, system: false } });
    const disk = walkDisk(root);
    const lib = libraryPaths(ws.library, result.output!.locationId!);
    expect([...lib.keys()].sort()).toEqual([...disk.keys()].sort());
    for (const [key, entry] of disk) {
      expect(lib.get(key), key).toMatchObject({ kind: entry.kind, size: entry.size });
    }
    // The non-UTF-8 name is found again byte for byte.
    const bad = Buffer.concat([Buffer.from(`${root}/docs/`), BAD_NAME]).toString('latin1');
    expect(lib.has(bad)).toBe(true);
    // Aggregates, bottom-up.
    const docs = lib.get(Buffer.from(`${root}/docs`).toString('latin1'))!;
    const underDocs = [...disk.entries()].filter(
      ([k, e]) => k.startsWith(Buffer.from(`${root}/docs/`).toString('latin1')) && e.kind !== 'dir',
    );
    expect(docs.aggregateSize).toBe(underDocs.reduce((a, [, e]) => a + e.size, 0));
    expect(docs.fileCount).toBe(underDocs.filter(([, e]) => e.kind === 'file').length);
    expect(docs.childCount).toBe(fs.readdirSync(`${root}/docs`).length);
    // The loop link is recorded, not followed.
    expect(lib.get(Buffer.from(`${root}/docs/loop`).toString('latin1'))?.kind).toBe('symlink');
    expect(result.output).toMatchObject({ new: disk.size, modified: 0, moved: 0, deleted: 0 });
  });

  it('applies rules: hidden, .git, system files, dev dirs, gitignore, only images', async () => {
    const ws = workspace();
    const root = path.join(tempDir(), 'rules');
    makeTree(root);
    fs.mkdirSync(path.join(root, 'node_modules/pkg'), { recursive: true });
    fs.writeFileSync(path.join(root, 'node_modules/pkg/index.js'), 'x');
    fs.writeFileSync(path.join(root, '.DS_Store'), 'x');
    fs.writeFileSync(path.join(root, '.gitignore'), '*.md\n/photos/two.png\n!docs/keep.md\n');
    fs.writeFileSync(path.join(root, 'docs/keep.md'), 'kept');
    const result = await index(ws, root, { rules: { hidden: true, devDirs: true, gitignore: true } });
    const names = [...libraryPaths(ws.library, result.output!.locationId!).keys()].map((k) =>
      Buffer.from(k, 'latin1')
        .toString()
        .slice(root.length + 1),
    );
    expect(names).not.toContain('.hidden');
    expect(names).not.toContain('.git');
    expect(names).not.toContain('.DS_Store');
    expect(names).not.toContain('node_modules');
    expect(names).not.toContain('docs/readme.md');
    expect(names).not.toContain('photos/two.png');
    expect(names).toContain('docs/keep.md');
    expect(names).toContain('photos/one.jpg');

    const images = workspace();
    const only = await index(images, root, { rules: { onlyImages: true } });
    const files = [...libraryPaths(images.library, only.output!.locationId!).entries()].filter(
      ([, e]) => e.kind !== 'dir',
    );
    expect(files.map(([k]) => path.basename(Buffer.from(k, 'latin1').toString())).sort()).toEqual([
      'one.jpg',
      'two.png',
    ]);
  });

  it('re-indexing detects new, modified, moved and deleted entries and writes only those', async () => {
    const ws = workspace();
    const root = path.join(tempDir(), 'changes');
    makeTree(root);
    const first = await index(ws, root, { mode: 'content' });
    const locationId = first.output!.locationId!;
    const before = libraryPaths(ws.library, locationId);
    const movedId = before.get(Buffer.from(`${root}/photos/one.jpg`).toString('latin1'))!.id;
    const dirId = before.get(Buffer.from(`${root}/docs/deep`).toString('latin1'))!.id;

    fs.writeFileSync(path.join(root, 'new.txt'), 'new file');
    fs.mkdirSync(path.join(root, 'newdir'));
    fs.writeFileSync(path.join(root, 'newdir/inside.txt'), 'inside');
    fs.writeFileSync(path.join(root, 'a.txt'), 'hello, changed');
    fs.renameSync(path.join(root, 'photos/one.jpg'), path.join(root, 'docs/one-moved.jpg'));
    fs.renameSync(path.join(root, 'docs/deep'), path.join(root, 'deep-moved'));
    fs.rmSync(path.join(root, 'docs/readme.md'));
    fs.rmSync(path.join(root, 'emptydir'), { recursive: true });

    const second = await index(ws, root, { mode: 'content' });
    expect(second.output!.locationId).toBe(locationId);
    expect(second.output).toMatchObject({ new: 3, modified: 1, moved: 2, deleted: 2 });
    const after = libraryPaths(ws.library, locationId);
    expect([...after.keys()].sort()).toEqual([...walkDisk(root, (n) => n === '.git').keys()].sort());
    // Moves keep their entries (and so their content ids and everything under a moved directory).
    expect(after.get(Buffer.from(`${root}/docs/one-moved.jpg`).toString('latin1'))!.id).toBe(movedId);
    expect(after.get(Buffer.from(`${root}/deep-moved`).toString('latin1'))!.id).toBe(dirId);
    expect(
      after.get(Buffer.from(`${root}/deep-moved/deeper/deepest/x.json`).toString('latin1')),
    ).toBeDefined();
    // The modified file got a new content id.
    const a = after.get(Buffer.from(`${root}/a.txt`).toString('latin1'))!;
    expect(a.contentId).not.toBe(before.get(Buffer.from(`${root}/a.txt`).toString('latin1'))!.contentId);
    expect(a.contentId).toMatch(/^[0-9a-f]{16}$/);

    const third = await index(ws, root);
    expect(third.output).toMatchObject({ new: 0, modified: 0, moved: 0, deleted: 0 });
  });

  it('content mode links files to content identities; empty files get none', async () => {
    const ws = workspace();
    const root = path.join(tempDir(), 'content');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'x1'), 'same bytes');
    fs.writeFileSync(path.join(root, 'x2'), 'same bytes');
    fs.writeFileSync(path.join(root, 'y'), 'other bytes');
    fs.writeFileSync(path.join(root, 'empty'), '');
    const result = await index(ws, root, { mode: 'content' });
    const lib = libraryPaths(ws.library, result.output!.locationId!);
    const id = (n: string) => lib.get(Buffer.from(`${root}/${n}`).toString('latin1'))!.contentId;
    expect(id('x1')).toBe(id('x2'));
    expect(id('x1')).not.toBe(id('y'));
    expect(id('empty')).toBeNull();
    expect(getContentIdentity(ws.library, id('x1')!)).toMatchObject({ entryCount: 2, size: 10 });
  });

  it('deep mode records MIME types and image dimensions', async () => {
    const sharp = (await import('sharp')).default;
    const ws = workspace();
    const root = path.join(tempDir(), 'deep');
    fs.mkdirSync(root);
    await sharp({ create: { width: 64, height: 48, channels: 3, background: 'blue' } })
      .jpeg()
      .toFile(path.join(root, 'p.jpg'));
    fs.writeFileSync(path.join(root, 'notes.txt'), 'plain text\n');
    const result = await index(ws, root, { mode: 'deep' });
    const rows = [...entriesOfLocation(ws.library, result.output!.locationId!)].map(
      (r) => getEntry(ws.library, r.id)!,
    );
    expect(rows.find((r) => r.nameText === 'p.jpg')).toMatchObject({
      mime: 'image/jpeg',
      width: 64,
      height: 48,
    });
    expect(rows.find((r) => r.nameText === 'notes.txt')?.mime).toBe('text/plain');
  });

  it('scope current indexes one level; ephemeral writes nothing and returns the entries', async () => {
    const ws = workspace();
    const root = path.join(tempDir(), 'scope');
    makeTree(root);
    const current = await index(ws, root, { scope: 'current', rules: { git: false, system: false } });
    expect(libraryPaths(ws.library, current.output!.locationId!).size).toBe(fs.readdirSync(root).length);

    const empty = workspace();
    const run = runJob(indexerJob, { path: root, ephemeral: true, mode: 'content' }, { store: empty.store });
    const result = await run.result;
    expect(result.status).toBe('completed');
    const entries = result.output!.entries!;
    expect(entries.length - 1).toBe(walkDisk(root, (n) => n === '.git').size);
    expect(entries.find((e) => e.path.endsWith('/a.txt'))?.contentId).toMatch(/^[0-9a-f]{16}$/);
    expect(listLocations(empty.library)).toEqual([]);
  });

  it('a paused index resumes from its stack and ends with the same library as an uninterrupted one', async () => {
    const root = path.join(tempDir(), 'pause');
    for (let d = 0; d < 30; d++) {
      fs.mkdirSync(path.join(root, `d${d}`), { recursive: true });
      for (let f = 0; f < 40; f++) fs.writeFileSync(path.join(root, `d${d}`, `f${f}`), `${d}-${f}`);
    }
    const ws = workspace();
    const run = runJob(
      indexerJob,
      { path: root, batchSize: 50 },
      { store: ws.store, deps: { library: ws.library } },
    );
    await new Promise<void>((resolve) => {
      const sub = run.events$.subscribe((e) => {
        if (e.type === 'checkpointed' && (run.state as { counts: { files: number } }).counts.files > 200) {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    await run.pause();
    expect(run.position.step).toBe('paused');
    run.stop();
    const resumed = await resumeJob(indexerJob, run.id, { store: ws.store, deps: { library: ws.library } });
    const result = await resumed.result;
    expect(result.status).toBe('completed');
    const lib = libraryPaths(ws.library, result.output!.locationId!);
    expect([...lib.keys()].sort()).toEqual([...walkDisk(root).keys()].sort());
    expect(result.output!.files).toBe(1200);
  });
});
