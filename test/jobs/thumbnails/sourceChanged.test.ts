import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { runJob } from '../../../src/index.js';
import { thumbnailsJob } from '../../../src/jobs/thumbnails/thumbnailsJob.js';
import { thumbnailsOf } from '../../../src/jobs/thumbnails/thumbnailsTable.js';
import { indexedPhotos, solid } from './images.js';

describe('thumbnails: an image changed since the index', () => {
  it('is not drawn under the content id of the bytes the index read; a non-fatal error says to re-index', async () => {
    const { dir, library, store, root, idOf } = await indexedPhotos(async (root) => {
      await solid(610, 400, 'green').toFile(path.join(root, 'kept.png'));
      await solid(600, 400, 'blue').toFile(path.join(root, 'rewritten.png'));
      await solid(500, 400, 'yellow').toFile(path.join(root, 'replaced.png'));
    });
    const ids = { kept: idOf('kept.png'), rewritten: idOf('rewritten.png'), replaced: idOf('replaced.png') };
    // Written in place (same inode, another picture: tall instead of wide), and replaced by another file.
    const tall = await solid(300, 900, 'red').toBuffer();
    fs.writeFileSync(path.join(root, 'rewritten.png'), tall);
    const other = path.join(root, 'other.tmp');
    await solid(250, 900, 'purple').toFile(other);
    fs.renameSync(other, path.join(root, 'replaced.png'));

    const directory = path.join(dir, 'thumbnails');
    const result = await runJob(thumbnailsJob, {}, { store, deps: { library, directory } }).result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(thumbnailsOf(library, ids.kept).length).toBeGreaterThan(0);
    expect(thumbnailsOf(library, ids.rewritten)).toEqual([]);
    expect(thumbnailsOf(library, ids.replaced)).toEqual([]);
    // No thumbnail on disk has the new pictures' tall shape.
    for (const entry of fs.readdirSync(directory, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.webp')) continue;
      const meta = await sharp(path.join(entry.parentPath, entry.name)).metadata();
      expect(meta.height / meta.width).toBeLessThan(2);
    }
    expect(result.output).toMatchObject({ images: 1, failed: 2 });
    const messages = result.errors.map((e) => e.message);
    expect(messages.every((m) => /changed since it was indexed.*Index its location again/.test(m))).toBe(
      true,
    );
    expect(result.errors.map((e) => path.basename(String(e.details?.path))).sort()).toEqual([
      'replaced.png',
      'rewritten.png',
    ]);
  }, 20_000);
});
