import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contentIdPoolDefaults } from '../../../../src/jobs/indexer/content/ContentIdPool.js';
import { indexerJob } from '../../../../src/jobs/indexer/indexerJob.js';
import { contentPhaseDefaults } from '../../../../src/jobs/indexer/phases/content.js';
import { runCrashPoints } from '../../../../src/testing/runCrashPoints.js';
import { tempDir } from '../../../machines/helpers.js';
import { libraryWorld } from '../../../testing/libraryWorld.js';
import { entryIndexes } from '../entryIndexes.js';
import { builtWorker } from './builtWorker.js';

const saved = { ...contentPhaseDefaults };
beforeEach(() => {
  contentIdPoolDefaults.workerUrl = builtWorker();
  // Threads from the first file, two files a chunk: a batch of 4 is two chunks, hashed a batch ahead.
  // …and entries_by_content_id set aside from the first batch, built at the end of the phase.
  Object.assign(contentPhaseDefaults, { threadsFrom: 0, chunk: 2, deferIndexFrom: 0 });
});
afterEach(() => {
  vi.restoreAllMocks();
  contentIdPoolDefaults.workerUrl = undefined;
  Object.assign(contentPhaseDefaults, saved);
});

describe('content phase in worker threads: crash points', () => {
  it('every crash point of a content index, crashed and resumed, ends as an uninterrupted run (indexes included)', async () => {
    const root = path.join(tempDir(), 'tree');
    for (let i = 0; i < 14; i++) {
      fs.mkdirSync(path.join(root, `d${i % 3}`), { recursive: true });
      fs.writeFileSync(
        path.join(root, `d${i % 3}`, `f${i}.txt`),
        Buffer.alloc(i % 5 === 0 ? 150_000 + i : 10 + i, i),
      );
    }
    fs.writeFileSync(path.join(root, 'empty'), '');
    const posted = vi.spyOn(Worker.prototype, 'postMessage');
    const file = path.join(tempDir(), 'crash.db');
    const world = libraryWorld(file, { extra: () => entryIndexes(file) });
    const report = await runCrashPoints(
      indexerJob,
      { path: root, mode: 'content', batchSize: 4 },
      {
        setup: world.fresh,
        normalize: (o) => ({ ...o, state: { ...(o.state as object), nextId: 0, endId: 0 } }),
      },
    );
    expect(report.reference.status).toBe('completed');
    expect((report.reference.output as { contentIds: number }).contentIds).toBe(14);
    const inContent = report.points.filter((p) => p.phase === 'content');
    expect(inContent.length).toBeGreaterThanOrEqual(10);
    expect(posted).toHaveBeenCalled();
    expect(report.unreached).toEqual([]);
    expect(report.mismatches.map((m) => m.message)).toEqual([]);
  });
});
