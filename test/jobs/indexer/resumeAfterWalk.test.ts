import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { MemoryStore, resumeJob, runJob } from '../../../src/index.js';
import { SqliteStore } from '../../../src/sqlite.js';
import { tempDir } from '../../machines/helpers.js';

/**
 * A walk paused after its last batch, before the phase returned: the resumed discovery must not take the job
 * for one that never started. A tree without subdirectories counts no directory, so "nothing on the stack and
 * no directory counted" said "not started" there, and the resume walked the tree again (files counted twice;
 * an ephemeral index listed every entry twice). Seen in CI as `files: 800` for a 400-file tree.
 */
const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

function flatTree(files: number): string {
  const root = path.join(tempDir(), 'flat');
  fs.mkdirSync(root);
  for (let f = 0; f < files; f++) fs.writeFileSync(path.join(root, `f${f}.txt`), `file ${f}`);
  return root;
}

/** Pause `run` at the first checkpoint of discovery after which its walk has nothing left to read. */
async function pauseAfterWalk(run: ReturnType<typeof runJob<any, any, any, any>>): Promise<void> {
  await new Promise<void>((resolve) => {
    const sub = run.events$.subscribe((e) => {
      const state = run.state as { stack: unknown[]; counts: { files: number } };
      if (
        e.type === 'checkpointed' &&
        e.phase === 'discovery' &&
        state.stack.length === 0 &&
        state.counts.files > 0
      ) {
        sub.unsubscribe();
        resolve();
      }
    });
  });
  await run.pause();
}

describe('an index paused after its walk, before discovery returned', () => {
  it('resumes without walking again: every count and every library row once', async () => {
    const root = flatTree(50);
    const library = openLibrary(path.join(tempDir(), 'library.db'));
    open.push(library);
    const store = new SqliteStore(library.db);
    const input = { path: root, batchSize: 20 };
    const run = runJob(indexerJob, input, { store, deps: { library } });
    await pauseAfterWalk(run);
    expect(run.position).toEqual({ phase: 'discovery', step: 'paused' });

    const resumed = await resumeJob(indexerJob, run.id, { store, deps: { library } });
    const result = await resumed.result;
    expect(result.status).toBe('completed');
    expect(result.output).toMatchObject({ files: 50, dirs: 0, new: 50, unchanged: 0 });
    const rows = library.db
      .prepare('SELECT count(*) AS n FROM entries WHERE location_id = ?')
      .get((result.output as { locationId: number }).locationId) as { n: number };
    expect(rows.n).toBe(51);
  });

  it('ephemeral: resumes without listing any entry twice', async () => {
    const root = flatTree(50);
    const store = new MemoryStore();
    const input = { path: root, batchSize: 20, ephemeral: true };
    const run = runJob(indexerJob, input, { store, minCheckpointIntervalMs: 0 });
    await pauseAfterWalk(run);
    expect(run.position).toEqual({ phase: 'discovery', step: 'paused' });

    const resumed = await resumeJob(indexerJob, run.id, { store });
    const result = await resumed.result;
    expect(result.status).toBe('completed');
    const output = result.output!;
    expect(output.files).toBe(50);
    expect(output.entries).toHaveLength(51);
    expect(new Set(output.entries!.map((e) => e.path)).size).toBe(51);
  });
});

describe('a re-index stopped right after processing committed a batch of deletes', () => {
  it('resumes with the deletes counted (the count commits with the batch)', async () => {
    const root = path.join(tempDir(), 'tree');
    for (let i = 0; i < 6; i++) {
      fs.mkdirSync(path.join(root, `d${i}`), { recursive: true });
      fs.writeFileSync(path.join(root, `d${i}`, 'f'), `${i}`);
    }
    const library = openLibrary(path.join(tempDir(), 'library.db'));
    open.push(library);
    const store = new SqliteStore(library.db);
    const deps = { library };
    expect((await runJob(indexerJob, { path: root }, { store, deps }).result).status).toBe('completed');
    for (const i of [0, 1, 2]) fs.rmSync(path.join(root, `d${i}`), { recursive: true });

    const run = runJob(indexerJob, { path: root, batchSize: 100 }, { store, deps });
    run.events$.subscribe((e) => {
      const state = run.state as { missing: unknown[] };
      if (e.type === 'checkpointed' && e.phase === 'processing' && state.missing.length === 0)
        void run.stop();
    });
    expect((await run.result).status).toBe('interrupted');
    const result = await (await resumeJob(indexerJob, run.id, { store, deps })).result;
    expect(result.status).toBe('completed');
    // Three directories and their three files, as an uninterrupted re-index counts them.
    expect(result.output).toMatchObject({ deleted: 6 });
  });
});
