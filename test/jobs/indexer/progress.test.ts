import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { type JobProgress, runJob } from '../../../src/index.js';
import { SqliteStore } from '../../../src/sqlite.js';
import type { Clock } from '../../../src/phases/types.js';
import { tempDir } from '../../machines/helpers.js';

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

/** 3,000 small files in 150 directories, three levels deep. */
function makeTree(root: string) {
  for (let i = 0; i < 3000; i++) {
    const dir = path.join(root, `a${i % 5}`, `b${i % 30}`, `c${i % 150}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `f${i}.txt`), `file ${i}\n`.repeat(1 + (i % 20)));
  }
}

/**
 * Real time, but a progress report goes out at the host's next turn, whatever the interval: every report a
 * phase makes between two turns shows, so what is measured is the job's own reporting, not timer luck.
 */
const eager: Clock = {
  now: () => Date.now(),
  setTimeout: (fn: () => void) => setImmediate(fn),
  clearTimeout: (handle: unknown) => clearImmediate(handle as NodeJS.Immediate),
};

async function indexWithProgress(root: string, mode: 'shallow' | 'content') {
  const library = openLibrary(path.join(tempDir(), 'library.db'));
  open.push(library);
  const run = runJob(
    indexerJob,
    { path: root, mode, batchSize: 500 },
    { store: new SqliteStore(library.db), deps: { library }, clock: eager, progressIntervalMs: 1 },
  );
  const frames: JobProgress[] = [];
  run.progress$.subscribe((p) => frames.push(p));
  const result = await run.result;
  expect(result.status, JSON.stringify(result.failure)).toBe('completed');
  return frames;
}

function biggestJump(frames: readonly JobProgress[]): number {
  let jump = 0;
  for (let i = 1; i < frames.length; i++) {
    jump = Math.max(jump, frames[i].overallPercent - frames[i - 1].overallPercent);
  }
  return jump;
}

describe('indexer progress', () => {
  it('discovery reports growing counts and a moving percent; a content index never jumps more than 20 points', async () => {
    const root = path.join(tempDir(), 'tree');
    makeTree(root);
    const frames = await indexWithProgress(root, 'content');
    const discovery = frames.filter((f) => f.phase === 'discovery');
    const counts = [...new Set(discovery.map((f) => f.completed))];
    expect(counts.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThan(counts[i - 1]);
    expect(Math.max(...counts)).toBe(3000 + 5 + 30 + 150);
    // A cold index does not know its total: the count is shown with total 0, and a rate.
    expect(discovery.every((f) => f.total === 0)).toBe(true);
    expect(discovery.some((f) => f.rate > 0)).toBe(true);
    expect(new Set(discovery.map((f) => f.phasePercent)).size).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < frames.length; i++) {
      expect(frames[i].overallPercent).toBeGreaterThanOrEqual(frames[i - 1].overallPercent);
    }
    const content = frames.filter((f) => f.phase === 'content');
    expect(new Set(content.map((f) => f.completed)).size).toBeGreaterThanOrEqual(5);
    expect(frames.at(-1)!.overallPercent).toBe(100);
    const jump = biggestJump(frames);
    console.log(`content index: ${frames.length} frames, largest jump ${jump.toFixed(1)} points`);
    expect(jump).toBeLessThan(20);
  });

  it('a shallow index moves through discovery, which holds most of its work, and a re-index knows its total', async () => {
    const root = path.join(tempDir(), 'tree');
    makeTree(root);
    const library = openLibrary(path.join(tempDir(), 'library.db'));
    open.push(library);
    const store = new SqliteStore(library.db);
    const frames: JobProgress[] = [];
    const first = runJob(
      indexerJob,
      { path: root, batchSize: 500 },
      { store, deps: { library }, clock: eager },
    );
    first.progress$.subscribe((p) => frames.push(p));
    expect((await first.result).status).toBe('completed');
    const jump = biggestJump(frames);
    console.log(`shallow index: ${frames.length} frames, largest jump ${jump.toFixed(1)} points`);
    expect(jump).toBeLessThan(40);
    const inDiscovery = frames.filter((f) => f.phase === 'discovery').map((f) => f.overallPercent);
    expect(new Set(inDiscovery).size).toBeGreaterThanOrEqual(5);
    expect(Math.max(...inDiscovery)).toBeGreaterThan(50);

    fs.writeFileSync(path.join(root, 'new.txt'), 'new');
    const again: JobProgress[] = [];
    const second = runJob(
      indexerJob,
      { path: root, batchSize: 500 },
      { store, deps: { library }, clock: eager },
    );
    second.progress$.subscribe((p) => again.push(p));
    expect((await second.result).status).toBe('completed');
    const known = again.filter((f) => f.phase === 'discovery' && f.completed > 0);
    expect(known.length).toBeGreaterThan(0);
    // The entries the location had are the expected total.
    expect(known.every((f) => f.total >= 3185)).toBe(true);
  });
});
