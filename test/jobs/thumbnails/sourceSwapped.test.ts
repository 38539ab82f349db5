import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { runJob } from '../../../src/index.js';
import { thumbnailsJob } from '../../../src/jobs/thumbnails/thumbnailsJob.js';
import { thumbnailsOf } from '../../../src/jobs/thumbnails/thumbnailsTable.js';
import { indexedPhotos, solid } from './images.js';

/**
 * An image the library recorded, replaced before the thumbnail job reads it — by a symlink to an image
 * outside the location, or by a FIFO — is refused: no thumbnail of the stranger's image is made (under the
 * recorded content id or any other), the job does not hang on the FIFO, and each is a non-fatal error with
 * its path.
 */

describe('thumbnails: a source swapped after the index is never followed or waited on', () => {
  it('a symlink to an image elsewhere and a FIFO in place of indexed images make no thumbnail', async () => {
    // The stranger, outside the location: a size no indexed image has, so any thumbnail of it is told apart by
    // its shape.
    let stranger = '';
    const { dir, library, store, root, idOf } = await indexedPhotos(async (root, dir) => {
      await solid(640, 480, 'green').toFile(path.join(root, 'kept.png'));
      await solid(500, 400, 'yellow').toFile(path.join(root, 'linked.png'));
      await solid(300, 600, 'purple').toFile(path.join(root, 'fifo.png'));
      stranger = path.join(dir, 'stranger.png');
      await solid(1000, 100, 'red').toFile(stranger);
    });
    const ids = { kept: idOf('kept.png'), linked: idOf('linked.png'), fifo: idOf('fifo.png') };

    fs.rmSync(path.join(root, 'linked.png'));
    fs.symlinkSync(stranger, path.join(root, 'linked.png'));
    const fifo = path.join(root, 'fifo.png');
    fs.rmSync(fifo);
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // Watchdog for a regression only: a job that opens the FIFO waits for a writer; one comes after 4 s, so
    // the test fails on its checks instead of hanging. With the fix nobody reads, and `timeout` ends it.
    spawn('timeout', ['10', 'sh', '-c', 'sleep 4; printf x > "$0"', fifo], {
      detached: true,
      stdio: 'ignore',
    }).unref();

    const directory = path.join(dir, 'thumbnails');
    const started = performance.now();
    const result = await runJob(thumbnailsJob, {}, { store, deps: { library, directory } }).result;
    expect(performance.now() - started).toBeLessThan(3500);
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(thumbnailsOf(library, ids.kept).length).toBeGreaterThan(0);
    expect(thumbnailsOf(library, ids.linked)).toEqual([]);
    expect(thumbnailsOf(library, ids.fifo)).toEqual([]);
    // No thumbnail anywhere has the stranger's 10:1 shape.
    for (const entry of fs.readdirSync(directory, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.webp')) continue;
      const meta = await sharp(path.join(entry.parentPath, entry.name)).metadata();
      expect(meta.width / meta.height).toBeLessThan(5);
    }
    const failed = result.errors.map((e) => String(e.details?.path ?? ''));
    expect(failed.some((p) => p.endsWith('linked.png'))).toBe(true);
    expect(failed.some((p) => p.endsWith('fifo.png'))).toBe(true);
    expect(result.output).toMatchObject({ images: 1, failed: 2 });
  }, 20_000);
});
