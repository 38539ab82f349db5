import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { duplicatesJob } from '../../../src/jobs/duplicates/duplicatesJob.js';
import type { DuplicatesOutput } from '../../../src/jobs/duplicates/types.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { type JobEvent, resumeJob, runJob } from '../../../src/index.js';
import { READ_REGULAR } from '../../../src/jobs/content/openRegularFile.js';
import { SqliteStore } from '../../../src/sqlite.js';
import { tempDir } from '../../machines/helpers.js';
import { bytes, canonical, jdupesGroups, makeDuplicateTree } from './tree.js';

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
  vi.restoreAllMocks();
});

function workspace() {
  const library = openLibrary(path.join(tempDir(), 'library.db'));
  open.push(library);
  return { library, store: new SqliteStore(library.db) };
}

/** The ops of the non-fatal errors recorded for `file`. */
function opsOf(errors: readonly { details?: Record<string, unknown> }[], file: string): unknown[] {
  return errors.filter((e) => e.details?.path === file).map((e) => e.details?.op);
}

/**
 * Find the duplicates of `root` in batches of 4 files, with `late` renamed to `late.away` once the first batch
 * is committed (analysis' second checkpoint: the boundary one as it starts, then one per batch). Returns the
 * completed result and how many checkpoints analysis wrote.
 */
async function moveAwayAfterFirstBatch(root: string, late: string) {
  const ws = workspace();
  const run = runJob(
    duplicatesJob,
    { paths: [root], batchFiles: 4 },
    { store: ws.store, deps: { library: ws.library } },
  );
  let committed = 0;
  run.events$.subscribe((e: JobEvent) => {
    if (e.type === 'checkpointed' && e.phase === 'analysis' && ++committed === 2)
      fs.renameSync(late, `${late}.away`);
  });
  const result = await run.result;
  expect(result.status).toBe('completed');
  return { result, committed };
}

// Tests run the TypeScript sources, so the pool hashes in the job's thread: the read-ahead is done when
// collect's phase ends, and a file removed then shows which read first missed it.
describe('partial hashes read ahead by collect', () => {
  it('are read right after the walk, in the same run: a file removed after collect fails its full hash, not its partial one', async () => {
    const root = path.join(tempDir(), 'tree');
    makeDuplicateTree(root);
    const gone = path.join(root, 'dirs/x/photo.jpg'); // 250,000 bytes: a partial hash, then a full one
    const ws = workspace();
    const run = runJob(duplicatesJob, { paths: [root] }, { store: ws.store, deps: { library: ws.library } });
    run.events$.subscribe((e: JobEvent) => {
      if (e.type === 'phaseCompleted' && e.phase === 'collect') fs.rmSync(gone);
    });
    const result = await run.result;
    expect(result.status).toBe('completed');
    expect(opsOf(result.errors, gone)).toEqual(['full hash']);
    const output = result.output as DuplicatesOutput;
    expect(canonical(output.groups.map((g) => g.files.map((f) => f.path)))).toEqual(
      canonical(jdupesGroups(root)),
    );
  });

  it('start while the walk goes on: files are read before the last directory is listed', async () => {
    // 40 directories of 20 files that share sizes: the first chunk of reads (256 files) is full long before
    // the walk lists its last directory.
    const root = path.join(tempDir(), 'tree');
    for (let d = 0; d < 40; d++) {
      fs.mkdirSync(path.join(root, `d${d}`), { recursive: true });
      for (let i = 0; i < 20; i++)
        fs.writeFileSync(path.join(root, `d${d}`, `f${i}`), `${d}/${i}`.padEnd(10 + i));
    }
    const calls: string[] = [];
    const readdir = fs.readdirSync;
    const openFile = fs.openSync;
    vi.spyOn(fs, 'readdirSync').mockImplementation(((...args: Parameters<typeof fs.readdirSync>) => {
      calls.push('list');
      return readdir(...args);
    }) as typeof fs.readdirSync);
    vi.spyOn(fs, 'openSync').mockImplementation((file, flags, mode) => {
      if (flags === READ_REGULAR) calls.push('read');
      return openFile(file, flags, mode);
    });
    const ws = workspace();
    const run = runJob(duplicatesJob, { paths: [root] }, { store: ws.store, deps: { library: ws.library } });
    const result = await run.result;
    expect(result.status).toBe('completed');
    expect((result.output as DuplicatesOutput).counts.partialHashed).toBe(800);
    expect(calls.filter((c) => c === 'list')).toHaveLength(41);
    expect(calls.indexOf('read')).toBeGreaterThan(-1);
    expect(calls.indexOf('read')).toBeLessThan(calls.lastIndexOf('list'));
  });

  it('take the full hashes along: a file moved away once the first batch is committed was read already', async () => {
    const root = path.join(tempDir(), 'tree');
    makeDuplicateTree(root);
    const tree = canonical(jdupesGroups(root));
    // Batches of 4 files: the photos (250,000 bytes) first, then edges/m1..m3 (40,000 bytes, one partial hash).
    const late = path.join(root, 'edges/m1');
    const { result, committed } = await moveAwayAfterFirstBatch(root, late);
    expect(committed).toBeGreaterThan(3);
    expect(opsOf(result.errors, late)).toEqual([]);
    const output = result.output as DuplicatesOutput;
    expect(output.groups.some((g) => g.files.some((f) => f.path === late))).toBe(true);
    fs.renameSync(`${late}.away`, late); // the same inode back, to compare by inode
    expect(canonical(output.groups.map((g) => g.files.map((f) => f.path)))).toEqual(tree);
  });

  it('take the full hashes along in a group of many files too (its partial hashes counted, not compared in pairs)', async () => {
    const root = path.join(tempDir(), 'tree');
    makeDuplicateTree(root);
    // 14 files of 20,000 bytes (more than 16 KiB: not read whole), all different but two.
    fs.mkdirSync(path.join(root, 'wide'));
    for (let i = 0; i < 14; i++) {
      fs.writeFileSync(path.join(root, 'wide', `f${i}`), bytes(i === 13 ? 'wide0' : `wide${i}`, 20_000));
    }
    const late = path.join(root, 'wide/f13');
    const { result } = await moveAwayAfterFirstBatch(root, late);
    expect(opsOf(result.errors, late)).toEqual([]);
    const output = result.output as DuplicatesOutput;
    const wide = output.groups.find((g) => g.size === 20_000);
    expect(wide?.files.map((f) => path.relative(root, f.path))).toEqual(['wide/f0', 'wide/f13']);
  });

  it('are not used by another run: resumed after collect, analysis reads the partial hashes again', async () => {
    const root = path.join(tempDir(), 'tree');
    makeDuplicateTree(root);
    const gone = path.join(root, 'dirs/x/photo.jpg');
    const ws = workspace();
    const deps = { library: ws.library };
    const run = runJob(duplicatesJob, { paths: [root] }, { store: ws.store, deps });
    const paused = new Promise<void>((resolve) => {
      run.events$.subscribe((e: JobEvent) => {
        if (e.type === 'phaseCompleted' && e.phase === 'collect') resolve(run.pause());
      });
    });
    await paused;
    expect(run.position).toMatchObject({ step: 'paused' });
    expect(run.position.phase).not.toBe('collect');
    run.stop();
    fs.rmSync(gone);
    // Same process, same library object: the groups may come handed over in memory, the read-ahead may not.
    const resumed = await resumeJob(duplicatesJob, run.id, { store: ws.store, deps });
    const result = await resumed.result;
    expect(result.status).toBe('completed');
    expect(opsOf(result.errors, gone)).toEqual(['partial hash']);
  });
});
