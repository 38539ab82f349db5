import fs from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { expect, onTestFinished } from 'vitest';
import { runJob } from '../../../src/index.js';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { SqliteStore } from '../../../src/sqlite.js';
import { tempDir } from '../../machines/helpers.js';

/** An image the tests make, with the size it is shown at (after EXIF orientation). */
export interface MadeImage {
  readonly file: string;
  readonly width: number;
  readonly height: number;
}

/** A picture: left half `left`, right half `right`, with noise so every image has its own content. */
async function picture(width: number, height: number, seed: number, left: string, right: string) {
  const half = Math.floor(width / 2);
  const base = sharp({ create: { width, height, channels: 3, background: left } });
  const rightHalf = await sharp({ create: { width: width - half, height, channels: 3, background: right } })
    .png()
    .toBuffer();
  // A seed-dependent dot keeps same-sized images of the same colours distinct.
  const dot = await sharp({
    create: { width: 4, height: 4, channels: 3, background: { r: seed % 256, g: (seed * 7) % 256, b: 9 } },
  })
    .png()
    .toBuffer();
  return base.composite([
    { input: rightHalf, left: half, top: 0 },
    { input: dot, left: seed % Math.max(1, half - 4), top: 0 },
  ]);
}

/**
 * A tree of real images: JPEG, PNG, WebP and GIF of various sizes (some smaller than the variants), a JPEG
 * stored landscape with EXIF orientation 6 (shown portrait, red on top), the same JPEG under two names, a
 * corrupt JPEG and a text file. Returns the images that can be read, by path relative to `root`.
 */
export async function makeImageTree(root: string): Promise<{
  images: Map<string, MadeImage>;
  duplicate: [string, string];
  corrupt: string;
  rotated: string;
}> {
  fs.mkdirSync(path.join(root, 'sub', 'deeper'), { recursive: true });
  const images = new Map<string, MadeImage>();
  const add = async (
    rel: string,
    width: number,
    height: number,
    encode: (s: Sharp) => Sharp,
    seed: number,
  ) => {
    const file = path.join(root, rel);
    await encode(await picture(width, height, seed, 'green', 'yellow')).toFile(file);
    images.set(rel, { file, width, height });
  };
  await add('big.jpg', 2400, 1600, (s) => s.jpeg({ quality: 80 }), 1);
  await add('wide.png', 1500, 300, (s) => s.png(), 2);
  await add('small.png', 300, 200, (s) => s.png(), 3);
  await add('sub/tall.webp', 700, 1400, (s) => s.webp({ quality: 80 }), 4);
  await add('sub/tiny.gif', 40, 30, (s) => s.gif(), 5);
  await add('sub/deeper/mid.jpeg', 1024, 768, (s) => s.jpeg(), 6);

  // Stored 800×400 (red left, blue right); orientation 6 shows it turned a quarter clockwise: 400×800, red on top.
  const rotated = 'rotated.jpg';
  await (await picture(800, 400, 7, 'red', 'blue'))
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 })
    .toFile(path.join(root, rotated));
  images.set(rotated, { file: path.join(root, rotated), width: 400, height: 800 });

  const duplicate: [string, string] = ['dup-a.jpg', 'sub/dup-b.jpg'];
  const dupBytes = await (await picture(900, 600, 8, 'purple', 'orange')).jpeg().toBuffer();
  for (const rel of duplicate) {
    fs.writeFileSync(path.join(root, rel), dupBytes);
    images.set(rel, { file: path.join(root, rel), width: 900, height: 600 });
  }

  const corrupt = 'sub/corrupt.jpg';
  const header = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);
  fs.writeFileSync(path.join(root, corrupt), Buffer.concat([header, Buffer.alloc(5000, 0x5a)]));
  fs.writeFileSync(path.join(root, 'notes.txt'), 'not an image\n');
  return { images, duplicate, corrupt, rotated };
}

/** A one-colour PNG of `width` × `height`, to write with `.toFile()` or `.toBuffer()`. */
export const solid = (width: number, height: number, background: string) =>
  sharp({ create: { width, height, channels: 3, background } }).png();

/**
 * A library in a fresh temp dir and a `photos` folder filled by `fill`, indexed in content mode. The library
 * closes when the test ends. `idOf(name)` is the content id the index recorded for a file name.
 */
export async function indexedPhotos(fill: (root: string, dir: string) => Promise<void>) {
  const dir = tempDir();
  const library = openLibrary(path.join(dir, 'library.db'));
  onTestFinished(() => library.close());
  const store = new SqliteStore(library.db);
  const root = path.join(dir, 'photos');
  fs.mkdirSync(root);
  await fill(root, dir);
  const indexed = await runJob(indexerJob, { path: root, mode: 'content' }, { store, deps: { library } })
    .result;
  expect(indexed.status).toBe('completed');
  const idOf = (name: string) =>
    library.db.prepare('SELECT content_id FROM entries WHERE name_text = ?').pluck().get(name) as string;
  return { dir, library, store, root, idOf };
}
