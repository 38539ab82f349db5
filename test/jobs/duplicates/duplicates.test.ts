import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { duplicatesJob } from '../../../src/jobs/duplicates/duplicatesJob.js';
import type { DuplicatesInput, DuplicatesOutput } from '../../../src/jobs/duplicates/types.js';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import { MemoryStore, resumeJob, runJob } from '../../../src/index.js';
import { tempDir } from '../../machines/helpers.js';
import { libraryWorkspaces } from '../libraryWorkspaces.js';
import { bytes, canonical, jdupesGroups, makeDuplicateTree } from './tree.js';

const workspace = libraryWorkspaces();

async function duplicates(input: DuplicatesInput, ws?: ReturnType<typeof workspace>) {
  const run = runJob(
    duplicatesJob,
    input,
    ws ? { store: ws.store, deps: { library: ws.library } } : { store: new MemoryStore() },
  );
  const result = await run.result;
  expect(result.status, JSON.stringify(result.failure)).toBe('completed');
  return { output: result.output as DuplicatesOutput, result };
}

/** Index `root` in content mode into the workspace's library: the location duplicate detection then reads. */
async function indexContent(root: string, ws: ReturnType<typeof workspace>) {
  const indexed = await runJob(
    indexerJob,
    { path: root, mode: 'content' },
    { store: ws.store, deps: { library: ws.library } },
  ).result;
  expect(indexed.status).toBe('completed');
}

const paths = (o: DuplicatesOutput) => o.groups.map((g) => g.files.map((f) => f.path));
const rel = (root: string, o: DuplicatesOutput) =>
  o.groups.map((g) => g.files.map((f) => path.relative(root, f.path)));

describe('duplicate detection', () => {
  it('content mode finds exactly the groups jdupes -r finds, and the right sizes, hard links and savings', async () => {
    const root = path.join(tempDir(), 'tree');
    makeDuplicateTree(root);
    const { output } = await duplicates({ paths: [root] });
    expect(canonical(paths(output))).toEqual(canonical(jdupesGroups(root)));
    const groups = rel(root, output);
    // Largest waste first: the 250 kB photo, four copies.
    expect(groups[0]).toEqual([
      'dirs/renamed.jpg',
      'dirs/w/photo.jpg',
      'dirs/x/photo.jpg',
      'dirs/y/z/photo.jpg',
    ]);
    expect(output.groups[0]).toMatchObject({ size: 250_000, totalBytes: 1_000_000, wastedBytes: 750_000 });
    expect(output.groups[0].hash).toMatch(/^[0-9a-f]{64}$/);
    // Same first and last 4 KiB, different middle: only m1 and m3.
    expect(groups).toContainEqual(['edges/m1', 'edges/m3']);
    expect(groups.flat()).not.toContain('edges/m2');
    // Same size, different bytes: never a group.
    expect(groups.flat()).not.toContain('same-size/a');
    // Hard links: one file (listed with its links), a duplicate of its copy only; the lonely pair is listed apart.
    expect(groups).toContainEqual(['links/copy', 'links/hardlink']);
    const linked = output.groups.find((g) => g.files.some((f) => f.path.endsWith('links/hardlink')))!;
    expect(linked.files.find((f) => f.path.endsWith('links/hardlink'))!.links).toEqual([
      path.join(root, 'links/original'),
    ]);
    expect(linked.wastedBytes).toBe(5000);
    expect(output.hardLinks.map((h) => h.paths.map((p) => path.relative(root, p)))).toEqual([
      ['links/hardlink', 'links/original'],
      ['links/lonely', 'links/lonely-link'],
    ]);
    // Symlinks are not followed (the dirlink would double every file under dirs/), empty files are left out.
    expect(groups.flat().some((p) => p.startsWith('links/dirlink') || p === 'links/symlink')).toBe(false);
    expect(groups.flat().some((p) => p.startsWith('empty/'))).toBe(false);
    expect(output.counts.symlinks).toBe(2);
    // 200 groups of three among the 600 files of one size.
    expect(output.groups.filter((g) => g.size === 64)).toHaveLength(200);
    const wasted = output.groups.reduce((n, g) => n + g.wastedBytes, 0);
    expect(output.summary).toMatchObject({ groups: output.groups.length, wastedBytes: wasted });
    expect(output.summary.duplicateFiles).toBe(output.summary.files - output.summary.groups);
    for (let i = 1; i < output.groups.length; i++) {
      expect(output.groups[i - 1].wastedBytes).toBeGreaterThanOrEqual(output.groups[i].wastedBytes);
    }
    for (const f of output.groups[0].files) {
      expect(f).toMatchObject({ size: 250_000, mtimeMs: fs.statSync(f.path).mtimeMs });
    }
  });

  it('deep mode agrees with jdupes too, and reads only what the partial hash could not tell apart', async () => {
    const root = path.join(tempDir(), 'tree');
    makeDuplicateTree(root);
    const { output } = await duplicates({ paths: [root], mode: 'deep' });
    expect(canonical(paths(output))).toEqual(canonical(jdupesGroups(root)));
    expect(output.counts.compared).toBeGreaterThan(0);
    // same-size/a and b differ in their first 4 KiB: read once each, never hashed in full or compared.
    expect(output.counts.fullHashed).toBeLessThan(output.counts.partialHashed);
  });

  it('--include-empty groups empty files; size and name-and-size modes; size and extension filters', async () => {
    const root = path.join(tempDir(), 'tree');
    makeDuplicateTree(root, { manyOfOneSize: 30 });
    const empty = await duplicates({ paths: [root], includeEmpty: true });
    expect(canonical(paths(empty.output))).toEqual(canonical(jdupesGroups(root, ['-z'])));
    expect(rel(root, empty.output)).toContainEqual(['empty/e1', 'empty/e2']);

    const size = await duplicates({ paths: [root], mode: 'size' });
    expect(rel(root, size.output)).toContainEqual(['same-size/a', 'same-size/b']);
    expect(rel(root, size.output)).toContainEqual(['edges/m1', 'edges/m2', 'edges/m3']);
    expect(size.output.counts.partialHashed + size.output.counts.fullHashed).toBe(0);

    const named = await duplicates({ paths: [root], mode: 'name-and-size' });
    expect(rel(root, named.output)).toContainEqual([
      'dirs/w/photo.jpg',
      'dirs/x/photo.jpg',
      'dirs/y/z/photo.jpg',
    ]);
    expect(rel(root, named.output).flat()).not.toContain('dirs/renamed.jpg');
    expect(rel(root, named.output).flat()).not.toContain('same-size/a');

    const jpg = await duplicates({ paths: [root], extensions: ['JPG'] });
    expect(rel(root, jpg.output)).toEqual([
      ['dirs/renamed.jpg', 'dirs/w/photo.jpg', 'dirs/x/photo.jpg', 'dirs/y/z/photo.jpg'],
    ]);
    const small = await duplicates({ paths: [root], maxSize: 1000, minSize: 700 });
    expect(rel(root, small.output)).toEqual([['dirs/w/note.txt', 'dirs/x/note.txt', 'dirs/y/z/note.txt']]);
  });

  it('records an unreadable file as a non-fatal error with its path and reason, and goes on', async () => {
    const root = path.join(tempDir(), 'tree');
    const { unreadable } = makeDuplicateTree(root, { manyOfOneSize: 3 });
    // Root reads anything: a file that vanishes between collect and analysis fails the same way for everyone.
    const run = runJob(duplicatesJob, { paths: [root] }, { store: new MemoryStore() });
    const sub = run.events$.subscribe((e) => {
      if (e.type === 'phaseStarted' && e.phase === 'analysis') fs.rmSync(unreadable);
    });
    const result = await run.result;
    sub.unsubscribe();
    expect(result.status).toBe('completed');
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ details: { path: unreadable, op: 'partial hash' } });
    expect(result.errors[0].message).toMatch(/ENOENT/);
    const groups = rel(root, result.output as DuplicatesOutput);
    expect(groups.flat()).not.toContain('locked/twin');
    expect(groups).toContainEqual(['edges/m1', 'edges/m3']);
  });

  it('over an indexed location: reuses content ids and stored full hashes, re-reads a changed file', async () => {
    const root = path.join(tempDir(), 'tree');
    makeDuplicateTree(root, { manyOfOneSize: 30 });
    const ws = workspace();
    await indexContent(root, ws);
    const walked = await duplicates({ paths: [root] });
    const first = await duplicates({ location: root }, ws);
    expect(canonical(paths(first.output))).toEqual(canonical(paths(walked.output)));
    expect(first.output.counts.partialHashed).toBe(0); // the content ids told the same-size files apart
    expect(first.output.counts.fullHashed).toBeGreaterThan(0);
    const second = await duplicates({ location: root }, ws);
    expect(second.output.groups).toEqual(first.output.groups);
    expect(second.output.counts).toMatchObject({ partialHashed: 0, fullHashed: 0, compared: 0 });
    expect(second.output.counts.reused).toBeGreaterThan(0);
    // Change one copy (same size, new mtime): it is read again and leaves its group.
    const changed = path.join(root, 'dirs/x/photo.jpg');
    fs.writeFileSync(changed, bytes('changed', 250_000));
    fs.utimesSync(changed, new Date(), new Date(Date.now() + 5000));
    const third = await duplicates({ location: root }, ws);
    expect(third.output.counts.fullHashed + third.output.counts.partialHashed).toBeGreaterThan(0);
    expect(rel(root, third.output)[0]).toEqual([
      'dirs/renamed.jpg',
      'dirs/w/photo.jpg',
      'dirs/y/z/photo.jpg',
    ]);
  });

  it('over an indexed location: a copy rewritten and given its old size and mtime back is read again, not reported by its old hash', async () => {
    // Before, the stored full hash and content id were reused on size and mtime alone: a file rewritten by a
    // tool that keeps mtimes (rsync -t, cp -p, tar -x) stayed in its group, a "copy" safe to delete.
    const root = path.join(tempDir(), 'tree');
    makeDuplicateTree(root);
    const changed = path.join(root, 'dirs/x/photo.jpg');
    // Whole seconds: an mtime `utimes` gives back exactly (a Date keeps only milliseconds).
    fs.utimesSync(changed, 1_600_000_000, 1_600_000_000);
    const ws = workspace();
    await indexContent(root, ws);
    const first = await duplicates({ location: root }, ws);
    expect(rel(root, first.output)[0]).toContain('dirs/x/photo.jpg');
    // Stored: the next run reuses them all.
    expect((await duplicates({ location: root }, ws)).output.counts).toMatchObject({ fullHashed: 0 });
    const old = fs.statSync(changed);
    fs.writeFileSync(changed, bytes('rewritten', old.size));
    fs.utimesSync(changed, 1_600_000_000, 1_600_000_000);
    const now = fs.statSync(changed);
    // The same size and mtime as indexed and hashed; only the ctime (and the bytes) tell.
    expect([now.size, now.mtimeMs]).toEqual([old.size, old.mtimeMs]);
    const again = await duplicates({ location: root }, ws);
    expect(again.output.counts.fullHashed + again.output.counts.partialHashed).toBeGreaterThan(0);
    expect(rel(root, again.output).flat()).not.toContain('dirs/x/photo.jpg');
    const walked = await duplicates({ paths: [root] });
    expect(canonical(paths(again.output))).toEqual(canonical(paths(walked.output)));
  });

  it('refuses an unknown location with a message that says what to do', async () => {
    const ws = workspace();
    const run = runJob(
      duplicatesJob,
      { location: '/nowhere/indexed' },
      { store: ws.store, deps: { library: ws.library } },
    );
    const result = await run.result;
    expect(result.status).toBe('failed');
    expect(result.failure?.message).toMatch(/No indexed location .*Index it first/);
  });

  it('lists a file reached from two overlapping given paths once, not as its own duplicate', async () => {
    const root = path.join(tempDir(), 'tree');
    fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(root, 'sub/a'), bytes('a', 3000));
    fs.writeFileSync(path.join(root, 'b'), bytes('a', 3000));
    fs.writeFileSync(path.join(root, 'sub/c'), bytes('c', 3000));
    const { output } = await duplicates({ paths: [root, path.join(root, 'sub')] });
    expect(rel(root, output)).toEqual([['b', 'sub/a']]);
    // Not taken for a hard link of itself either.
    expect(output.hardLinks).toEqual([]);
    expect(output.groups[0].files.every((f) => f.links === undefined)).toBe(true);
    const alone = await duplicates({ paths: [path.join(root, 'sub')] });
    expect(alone.output.groups).toEqual([]);
    // Counted once too: the same figures as the outer path alone, and the same path given twice.
    const outer = await duplicates({ paths: [root] });
    expect(output.counts).toMatchObject({ files: 3, bytes: 9000 });
    expect(outer.output.counts).toMatchObject({ files: 3, bytes: 9000 });
    const twice = await duplicates({ paths: [root, root] });
    expect(twice.output.counts).toMatchObject({ files: 3, bytes: 9000 });
  });

  it('a paused run resumes after its last batch and ends with the groups of an uninterrupted run, reading no group twice', async () => {
    const root = path.join(tempDir(), 'tree');
    makeDuplicateTree(root, { manyOfOneSize: 900 });
    const reference = await duplicates({ paths: [root], batchFiles: 5 });
    const ws = workspace();
    const run = runJob(
      duplicatesJob,
      { paths: [root], batchFiles: 5 },
      { store: ws.store, deps: { library: ws.library } },
    );
    await new Promise<void>((resolve) => {
      const sub = run.events$.subscribe((e) => {
        if (
          e.type === 'checkpointed' &&
          run.position.phase === 'analysis' &&
          (run.state as { cursor: number }).cursor >= 3
        ) {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    await run.pause();
    expect(run.position.step).toBe('paused');
    run.stop();
    const resumed = await resumeJob(duplicatesJob, run.id, {
      store: ws.store,
      deps: { library: ws.library },
    });
    const result = await resumed.result;
    expect(result.status).toBe('completed');
    const output = result.output as DuplicatesOutput;
    expect(output.groups).toEqual(reference.output.groups);
    expect(output.counts).toEqual(reference.output.counts);
  });
});
