import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { resumeJob, runJob } from '../../../src/index.js';
import { SqliteStore } from '../../../src/sqlite.js';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { thumbnailPath } from '../../../src/jobs/thumbnails/thumbnailPath.js';
import { thumbnailsJob } from '../../../src/jobs/thumbnails/thumbnailsJob.js';
import type { ThumbnailsInput } from '../../../src/jobs/thumbnails/types.js';
import { THUMBNAIL_PRESETS } from '../../../src/jobs/thumbnails/variants.js';
import { tempDir } from '../../machines/helpers.js';
import { makeImageTree } from './images.js';
import { thumbnailsOf } from '../../../src/jobs/thumbnails/thumbnailsTable.js';

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

function workspace() {
  const dir = tempDir();
  const library = openLibrary(path.join(dir, 'library.db'));
  const store = new SqliteStore(library.db);
  open.push(library);
  return { library, store, dir, thumbnails: path.join(dir, 'thumbnails') };
}
type Workspace = ReturnType<typeof workspace>;

async function index(ws: Workspace, root: string) {
  const run = runJob(
    indexerJob,
    { path: root, mode: 'content' },
    { store: ws.store, deps: { library: ws.library } },
  );
  const result = await run.result;
  expect(result.status, JSON.stringify(result.failure)).toBe('completed');
  return result.output!.locationId!;
}

async function thumbnails(ws: Workspace, input: ThumbnailsInput = {}) {
  const run = runJob(thumbnailsJob, input, { store: ws.store, deps: { library: ws.library } });
  const result = await run.result;
  expect(result.status, JSON.stringify(result.failure)).toBe('completed');
  return result;
}

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
}

function contentIdOf(library: Library, file: string): string {
  const id = library.db
    .prepare('SELECT content_id FROM entries WHERE name_text = ? AND content_id IS NOT NULL')
    .pluck();
  return id.get(path.basename(file)) as string;
}

const DEFAULTS = ['grid@1x', 'grid@2x', 'detail@1x'].map((n) => THUMBNAIL_PRESETS[n]);

describe('the thumbnail job', () => {
  it('makes every default variant of every image at the right size, oriented, once per content, and records the corrupt file', async () => {
    const ws = workspace();
    const root = path.join(tempDir(), 'photos');
    const tree = await makeImageTree(root);
    await index(ws, root);
    const result = await thumbnails(ws);

    const contents = new Set([...tree.images.keys()].map((rel) => contentIdOf(ws.library, rel)));
    expect(contents.size).toBe(tree.images.size - 1); // the duplicate shares one content id
    expect(result.output).toMatchObject({
      images: contents.size,
      thumbnails: contents.size * 3,
      failed: 1,
      skipped: 0,
    });
    for (const [rel, image] of tree.images) {
      const contentId = contentIdOf(ws.library, rel);
      const records = thumbnailsOf(ws.library, contentId);
      expect(records.map((r) => r.variant).sort(), rel).toEqual(['detail@1x', 'grid@1x', 'grid@2x']);
      for (const variant of DEFAULTS) {
        const file = thumbnailPath(ws.thumbnails, contentId, variant.name);
        const meta = await sharp(file).metadata();
        expect(meta.format).toBe('webp');
        const longest = Math.min(variant.size, Math.max(image.width, image.height));
        expect(Math.max(meta.width, meta.height), `${rel} ${variant.name}`).toBe(longest);
        // Aspect ratio kept (to the pixel) and portrait stays portrait.
        const expectedShort =
          (Math.min(image.width, image.height) * longest) / Math.max(image.width, image.height);
        expect(
          Math.abs(Math.min(meta.width, meta.height) - expectedShort),
          `${rel} ${variant.name}`,
        ).toBeLessThanOrEqual(1);
        expect(meta.width >= meta.height).toBe(image.width >= image.height);
        const record = records.find((r) => r.variant === variant.name)!;
        expect(record).toMatchObject({
          width: meta.width,
          height: meta.height,
          bytes: fs.statSync(file).size,
        });
      }
    }
    // Orientation applied: the rotated JPEG is shown red on top, blue at the bottom.
    const rotated = thumbnailPath(ws.thumbnails, contentIdOf(ws.library, tree.rotated), 'grid@1x');
    const { data, info } = await sharp(rotated).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => [
      ...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3),
    ];
    const [topR, , topB] = pixel(Math.floor(info.width / 2), 10);
    const [bottomR, , bottomB] = pixel(Math.floor(info.width / 2), info.height - 10);
    expect(topR).toBeGreaterThan(200);
    expect(topB).toBeLessThan(60);
    expect(bottomB).toBeGreaterThan(200);
    expect(bottomR).toBeLessThan(60);

    // One set for the duplicate, and nothing but thumbnails on disk: no temporary files.
    expect(filesUnder(ws.thumbnails)).toHaveLength(contents.size * 3);
    expect(fs.existsSync(path.join(ws.thumbnails, '.tmp'))).toBe(false);
    expect(result.errorCount).toBe(1);
    expect(result.errors[0]).toMatchObject({
      kind: 'nonFatal',
      details: { path: path.join(root, tree.corrupt), op: 'thumbnail' },
    });
    expect(result.errors[0].message).toContain(path.join(root, tree.corrupt));
  }, 60_000);

  it('skips images whose thumbnails exist, makes only a missing variant, and remakes all with regenerate', async () => {
    const ws = workspace();
    const root = path.join(tempDir(), 'photos');
    const tree = await makeImageTree(root);
    await index(ws, root);
    const first = await thumbnails(ws, { variants: ['grid@1x', 'icon@1x'] });
    const images = first.output!.images;
    const grid = thumbnailPath(ws.thumbnails, contentIdOf(ws.library, 'big.jpg'), 'grid@1x');
    const stamp = new Date('2001-01-01T00:00:00Z');
    fs.utimesSync(grid, stamp, stamp);

    const again = await thumbnails(ws, { variants: ['grid@1x', 'icon@1x'] });
    expect(again.output).toMatchObject({ images: 0, thumbnails: 0, skipped: images, failed: 1 });
    expect(fs.statSync(grid).mtimeMs).toBe(stamp.getTime());

    const more = await thumbnails(ws, { variants: ['grid@1x', 'icon@1x', 'poster:300:60'] });
    expect(more.output).toMatchObject({ images, thumbnails: images, skipped: 0 });
    expect(fs.statSync(grid).mtimeMs).toBe(stamp.getTime());
    const poster = await sharp(
      thumbnailPath(ws.thumbnails, contentIdOf(ws.library, 'big.jpg'), 'poster'),
    ).metadata();
    expect([poster.width, poster.height]).toEqual([300, 200]);

    const regenerated = await thumbnails(ws, { variants: ['grid@1x', 'icon@1x'], regenerate: true });
    expect(regenerated.output).toMatchObject({ images, thumbnails: images * 2, skipped: 0 });
    expect(fs.statSync(grid).mtimeMs).toBeGreaterThan(stamp.getTime());
    expect(tree.images.size).toBeGreaterThan(images); // sanity: the duplicate was counted once
  }, 60_000);

  it('cleanup removes the thumbnails and records of contents no entry has any more, and keeps shared ones', async () => {
    const ws = workspace();
    const root = path.join(tempDir(), 'photos');
    const tree = await makeImageTree(root);
    await index(ws, root);
    await thumbnails(ws);
    const gone = contentIdOf(ws.library, 'wide.png');
    const shared = contentIdOf(ws.library, tree.duplicate[0]);
    fs.rmSync(path.join(root, 'wide.png'));
    fs.rmSync(path.join(root, tree.duplicate[0]));
    await index(ws, root);

    const result = await thumbnails(ws);
    expect(result.output).toMatchObject({ removed: 1, images: 0 });
    expect(thumbnailsOf(ws.library, gone)).toEqual([]);
    expect(fs.existsSync(path.dirname(thumbnailPath(ws.thumbnails, gone, 'grid@1x')))).toBe(false);
    expect(thumbnailsOf(ws.library, shared)).toHaveLength(3);
    expect(fs.existsSync(thumbnailPath(ws.thumbnails, shared, 'detail@1x'))).toBe(true);
    expect(filesUnder(ws.thumbnails)).toHaveLength((tree.images.size - 2) * 3);
  }, 60_000);

  it('removes temporary files of processes that are gone and keeps those of a live one', async () => {
    const ws = workspace();
    const root = path.join(tempDir(), 'photos');
    fs.mkdirSync(root);
    await sharp({ create: { width: 64, height: 48, channels: 3, background: 'teal' } })
      .png()
      .toFile(path.join(root, 'a.png'));
    await index(ws, root);
    const tmp = path.join(ws.thumbnails, '.tmp');
    fs.mkdirSync(tmp, { recursive: true });
    const dead = path.join(tmp, '2147483646-0123456789abcdef-grid@1x.webp'); // no such pid
    const live = path.join(tmp, `${process.ppid}-0123456789abcdef-grid@1x.webp`);
    fs.writeFileSync(dead, 'half a thumbnail');
    fs.writeFileSync(live, 'being written');
    const result = await thumbnails(ws, { variants: ['icon@1x'] });
    expect(result.output).toMatchObject({ images: 1, temporaryRemoved: 1 });
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.readdirSync(tmp)).toEqual([path.basename(live)]);
  });

  it('makes thumbnails only for the location it is given, and refuses an unknown one with what to do', async () => {
    const ws = workspace();
    const a = path.join(tempDir(), 'a');
    const b = path.join(tempDir(), 'b');
    fs.mkdirSync(a);
    fs.mkdirSync(b);
    await sharp({ create: { width: 50, height: 40, channels: 3, background: 'red' } })
      .jpeg()
      .toFile(path.join(a, 'a.jpg'));
    await sharp({ create: { width: 60, height: 40, channels: 3, background: 'blue' } })
      .png()
      .toFile(path.join(b, 'b.png'));
    await index(ws, a);
    const idB = await index(ws, b);
    const onlyB = await thumbnails(ws, { location: idB, variants: ['icon@1x'] });
    expect(onlyB.output).toMatchObject({ images: 1, locationId: idB });
    expect(thumbnailsOf(ws.library, contentIdOf(ws.library, 'b.png'))).toHaveLength(1);
    expect(thumbnailsOf(ws.library, contentIdOf(ws.library, 'a.jpg'))).toHaveLength(0);
    const byPath = await thumbnails(ws, { location: a, variants: ['icon@1x'] });
    expect(byPath.output).toMatchObject({ images: 1 });

    const run = runJob(
      thumbnailsJob,
      { location: path.join(a, 'nope') },
      { store: ws.store, deps: { library: ws.library } },
    );
    const failed = await run.result;
    expect(failed.status).toBe('failed');
    expect(failed.failure?.message).toMatch(/No location .*nope.* index it first/);
  }, 60_000);

  it('paused mid-processing and resumed, makes the variants it was started with and the same set as an uninterrupted run', async () => {
    const root = path.join(tempDir(), 'photos');
    await makeImageTree(root);
    const input: ThumbnailsInput = { variants: ['icon@2x', 'tiny:16:50'], batchSize: 1, concurrency: 1 };
    const reference = workspace();
    await index(reference, root);
    await thumbnails(reference, input);

    const ws = workspace();
    await index(ws, root);
    const run = runJob(thumbnailsJob, input, { store: ws.store, deps: { library: ws.library } });
    let batches = 0;
    await new Promise<void>((resolve) => {
      const sub = run.events$.subscribe((e) => {
        if (e.type === 'checkpointed' && run.position.phase === 'processing' && ++batches === 3) {
          sub.unsubscribe();
          void run.pause().then(resolve);
        }
      });
    });
    expect((await ws.store.load(run.id))?.record.status).toBe('paused');
    const before = filesUnder(ws.thumbnails).filter((f) => !f.startsWith('.tmp'));
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(filesUnder(reference.thumbnails).length);
    const resumed = await resumeJob(thumbnailsJob, run.id, {
      store: ws.store,
      deps: { library: ws.library },
    });
    const result = await resumed.result;
    expect(result.status).toBe('completed');
    expect(result.output!.variants.map((v) => v.name)).toEqual(['icon@2x', 'tiny']);
    expect(filesUnder(ws.thumbnails)).toEqual(filesUnder(reference.thumbnails));
    expect(filesUnder(reference.thumbnails)).toHaveLength(8 * 2);
    const records = (l: Library) =>
      l.db.prepare('SELECT content_id, variant, width, height FROM thumbnails ORDER BY 1, 2').all();
    expect(records(ws.library)).toEqual(records(reference.library));
  }, 60_000);
});
