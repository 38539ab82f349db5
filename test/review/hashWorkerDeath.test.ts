import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
// The built modules: only they run the hash pool in worker threads (the sources hash inline).
import { HashPool } from '../../dist/jobs/content/hashPool.js';
import { duplicatesJob } from '../../dist/jobs/duplicates/duplicatesJob.js';
import { openLibrary } from '../../dist/jobs/library/openLibrary.js';
import { resumeJob } from '../../dist/machines/resumeJob.js';
import { runJob } from '../../dist/machines/runJob.js';
import { SqliteStore } from '../../dist/persistence/stores/SqliteStore.js';
import { canonical, jdupesGroups, makeDuplicateTree } from '../jobs/duplicates/tree.js';
import { tempDir } from '../machines/helpers.js';
import { killEveryWorker, killFirstWorker } from '../helpers/workerDeaths.js';

afterEach(() => vi.restoreAllMocks());

describe('review: a hash worker thread that dies', () => {
  it('duplicates: the job does not end with wrong groups', async () => {
    const root = path.join(tempDir(), 'tree');
    makeDuplicateTree(root, { manyOfOneSize: 50 });
    const library = openLibrary(path.join(tempDir(), 'library.db'));
    try {
      const killed = killFirstWorker();
      const run = runJob(
        duplicatesJob,
        { paths: [root], threads: 2 },
        { store: new SqliteStore(library.db), deps: { library } },
      );
      const result = await run.result;
      expect(killed).toHaveLength(1);
      if (result.status === 'completed') {
        const output = result.output as unknown as { groups: { files: { path: string }[] }[] };
        expect(canonical(output.groups.map((g) => g.files.map((f) => f.path)))).toEqual(
          canonical(jdupesGroups(root)),
        );
      }
    } finally {
      library.close();
    }
  });

  it('duplicates: a worker dying in analysis (resumed after collect, no read-ahead) does not fail the job', async () => {
    const root = path.join(tempDir(), 'tree');
    makeDuplicateTree(root, { manyOfOneSize: 50 });
    const library = openLibrary(path.join(tempDir(), 'library.db'));
    try {
      const store = new SqliteStore(library.db);
      const deps = { library };
      const run = runJob(duplicatesJob, { paths: [root], threads: 2 }, { store, deps });
      await new Promise<void>((resolve) => {
        run.events$.subscribe((e) => {
          if (e.type === 'phaseCompleted' && (e as { phase?: string }).phase === 'collect')
            resolve(run.pause());
        });
      });
      expect(run.position.step).toBe('paused');
      run.stop();
      const killed = killFirstWorker();
      const resumed = await resumeJob(duplicatesJob, run.id, { store, deps });
      const result = await resumed.result;
      expect(killed).toHaveLength(1);
      expect(result.status).toBe('completed');
      const output = result.output as unknown as { groups: { files: { path: string }[] }[] };
      expect(canonical(output.groups.map((g) => g.files.map((f) => f.path)))).toEqual(
        canonical(jdupesGroups(root)),
      );
    } finally {
      library.close();
    }
  });

  it('HashPool: the chunks of a worker that died are answered by a new one, equal to an inline run', async () => {
    const killed = killFirstWorker();
    const pool = new HashPool(2);
    const file = Buffer.from(import.meta.filename);
    const items = Array.from({ length: 10 }, () => ({ path: file, size: fs.statSync(file).size }));
    try {
      const threaded = await pool.run('first', items, 2);
      expect(killed).toHaveLength(1);
      expect(threaded).toEqual(await new HashPool(0).run('first', items, 2));
    } finally {
      await pool.close();
    }
  });

  it('HashPool: a chunk whose worker dies twice rejects, saying so', async () => {
    killEveryWorker();
    const pool = new HashPool(1);
    const file = Buffer.from(import.meta.filename);
    try {
      await expect(pool.run('first', [{ path: file, size: fs.statSync(file).size }])).rejects.toThrow(
        /hash worker thread exited/,
      );
    } finally {
      await pool.close();
    }
  });
});
