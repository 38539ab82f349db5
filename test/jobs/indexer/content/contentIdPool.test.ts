import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ContentChangedError } from '../../../../src/jobs/content/ContentChangedError.js';
import { contentIdOfFileSync } from '../../../../src/jobs/content/contentId.js';
import { ContentIdPool } from '../../../../src/jobs/indexer/content/ContentIdPool.js';
import { ContentIdWorkerDiedError } from '../../../../src/jobs/indexer/content/ContentIdWorkerDiedError.js';
import type { ContentIdResult } from '../../../../src/jobs/indexer/content/contentIdMessages.js';
import { tempDir } from '../../../machines/helpers.js';
import { builtWorker } from './builtWorker.js';
import { killEveryWorker, killFirstWorker } from '../../../helpers/workerDeaths.js';

afterEach(() => vi.restoreAllMocks());

/** Files of many sizes (whole and sampled), and paths that fail: missing, a directory, a file that shrank. */
function files() {
  const root = tempDir();
  const paths: Buffer[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < 40; i++) {
    const size = [1, 100, 4096, 102_400, 102_401, 300_000][i % 6] + i;
    const file = path.join(root, `f${i}`);
    fs.writeFileSync(file, Buffer.alloc(size, i));
    paths.push(Buffer.from(file));
    sizes.push(size);
  }
  fs.mkdirSync(path.join(root, 'dir'));
  paths.push(Buffer.from(path.join(root, 'missing')), Buffer.from(path.join(root, 'dir')));
  sizes.push(10, 10);
  fs.truncateSync(paths[7], 5);
  return { paths, sizes };
}

/** What each file gives, as the sync function answers it in this thread: the reference. */
function reference(paths: Buffer[], sizes: number[]): ContentIdResult[] {
  return paths.map((p, i) => {
    try {
      return contentIdOfFileSync(p, sizes[i]);
    } catch (error) {
      return error as Error;
    }
  });
}

/** Results comparable across threads: an error by its name, message and code. */
const plain = (rs: ContentIdResult[]) =>
  rs.map((r) =>
    r instanceof Error ? { name: r.name, message: r.message, code: (r as NodeJS.ErrnoException).code } : r,
  );

describe('ContentIdPool', () => {
  it('answers in worker threads what contentIdOfFileSync answers in this one, errors included, in order', async () => {
    const { paths, sizes } = files();
    const pool = new ContentIdPool(2, builtWorker());
    try {
      expect(pool.threaded).toBe(true);
      const chunks = await Promise.all([
        pool.hash(paths.slice(0, 17), sizes.slice(0, 17)),
        pool.hash(paths.slice(17), sizes.slice(17)),
      ]);
      const threaded = chunks.flat();
      const expected = reference(paths, sizes);
      expect(plain(threaded)).toEqual(plain(expected));
      expect(threaded[7]).toBeInstanceOf(Error);
      expect((threaded[7] as Error).name).toBe(new ContentChangedError('x', 1, 'shorter').name);
      expect((threaded.at(-2) as NodeJS.ErrnoException).code).toBe('ENOENT');
      expect((threaded.at(-1) as NodeJS.ErrnoException).code).toBe('EISDIR');
      expect(threaded.filter((r) => typeof r === 'string')).toHaveLength(39);
    } finally {
      await pool.close();
    }
  });

  it('hashes inline with 0 threads, or without the built worker: the same answers', async () => {
    const { paths, sizes } = files();
    const none = new ContentIdPool(0, builtWorker());
    const absent = new ContentIdPool(2, new URL('file:///nonexistent/contentIdWorker.js'));
    expect(none.threaded || absent.threaded).toBe(false);
    expect(plain(await none.hash(paths, sizes))).toEqual(plain(reference(paths, sizes)));
    expect(plain(await absent.hash(paths, sizes))).toEqual(plain(reference(paths, sizes)));
  });

  it('a worker that dies: its chunks are answered by the worker started in its place, none skipped', async () => {
    const { paths, sizes } = files();
    const killed = killFirstWorker();
    const pool = new ContentIdPool(2, builtWorker());
    try {
      const chunks = await Promise.all(
        [0, 8, 16, 24, 32, 40].map((s) => pool.hash(paths.slice(s, s + 8), sizes.slice(s, s + 8))),
      );
      expect(killed).toHaveLength(1);
      expect(plain(chunks.flat())).toEqual(plain(reference(paths, sizes)));
    } finally {
      await pool.close();
    }
  });

  it('a chunk whose second worker dies too rejects with ContentIdWorkerDiedError', async () => {
    killEveryWorker();
    const { paths, sizes } = files();
    const pool = new ContentIdPool(1, builtWorker());
    try {
      const error = await pool.hash(paths.slice(0, 3), sizes.slice(0, 3)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContentIdWorkerDiedError);
      expect((error as Error).message).toMatch(/died .* twice on the same files.*resume the job/);
    } finally {
      await pool.close();
    }
  });

  it('a worker module that cannot start: each chunk rejects after two workers, and no worker is started for nothing', async () => {
    const broken = path.join(tempDir(), 'broken.mjs');
    fs.writeFileSync(broken, "throw new Error('cannot start');\n");
    const on = Worker.prototype.on;
    let started = 0;
    vi.spyOn(Worker.prototype, 'on').mockImplementation(function (this: Worker, event, listener) {
      if (event === 'message') started++;
      return on.call(this, event, listener);
    });
    const { paths, sizes } = files();
    const pool = new ContentIdPool(1, pathToFileURL(broken));
    try {
      await expect(pool.hash(paths.slice(0, 2), sizes.slice(0, 2))).rejects.toBeInstanceOf(
        ContentIdWorkerDiedError,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(started).toBe(2);
      await expect(pool.hash(paths.slice(0, 2), sizes.slice(0, 2))).rejects.toBeInstanceOf(
        ContentIdWorkerDiedError,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(started).toBe(4);
    } finally {
      await pool.close();
    }
  });

  it('close: chunks not answered yet reject, and later ones too', async () => {
    const { paths, sizes } = files();
    const pool = new ContentIdPool(1, builtWorker());
    const pending = pool.hash(paths, sizes);
    await pool.close();
    await expect(pending).rejects.toBeInstanceOf(ContentIdWorkerDiedError);
    await expect(pool.hash(paths, sizes)).rejects.toBeInstanceOf(ContentIdWorkerDiedError);
  });
});
