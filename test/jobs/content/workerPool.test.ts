import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
// The built modules: only they run the pools in worker threads (the sources hash inline).
import { HashPool } from '../../../dist/jobs/content/hashPool.js';

afterEach(() => vi.restoreAllMocks());

/** Every worker that is sent work, in order. */
function workersSentWork(): Worker[] {
  const seen: Worker[] = [];
  const post = Worker.prototype.postMessage;
  vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, ...args) {
    if (!seen.includes(this)) seen.push(this);
    post.apply(this, args as Parameters<Worker['postMessage']>);
  });
  return seen;
}

describe('WorkerPool (through HashPool)', () => {
  it('a worker that died idle is replaced by the next run, which is answered in full', async () => {
    const seen = workersSentWork();
    const pool = new HashPool(1);
    const file = Buffer.from(import.meta.filename);
    const items = Array.from({ length: 6 }, () => ({ path: file, size: fs.statSync(file).size }));
    const inline = await new HashPool(0).run('first', items, 2);
    try {
      expect(await pool.run('first', items, 2)).toEqual(inline);
      expect(seen).toHaveLength(1);
      // The only worker dies with nothing owed (terminated from outside, as a crashed thread would).
      const exited = new Promise((resolve) => seen[0].once('exit', resolve));
      await seen[0].terminate();
      await exited;
      expect(await pool.run('first', items, 2)).toEqual(inline);
      expect(seen).toHaveLength(2);
    } finally {
      await pool.close();
    }
  });

  it('after close, a run rejects at once and starts no worker', async () => {
    const seen = workersSentWork();
    const pool = new HashPool(2);
    await pool.close();
    const file = Buffer.from(import.meta.filename);
    await expect(pool.run('first', [{ path: file, size: 1 }])).rejects.toThrow(/hash/);
    expect(seen).toHaveLength(0);
  });
});
