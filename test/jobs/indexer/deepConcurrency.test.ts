import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { sniffFile } from '../../../src/jobs/content/sniff.js';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import { type DeepSniff, deepSniffer } from '../../../src/jobs/indexer/phases/deepSniffer.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { entriesOfLocation, getEntry, pathOf } from '../../../src/jobs/library/entries.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { runJob } from '../../../src/index.js';
import { SqliteStore } from '../../../src/sqlite.js';
import { tempDir } from '../../machines/helpers.js';

const open: Library[] = [];
afterEach(() => {
  deepSniffer.sniff = sniffFile;
  for (const library of open.splice(0)) library.close();
});

function workspace() {
  const library = openLibrary(path.join(tempDir(), 'library.db'));
  open.push(library);
  return { library, store: new SqliteStore(library.db) };
}

async function index(ws: ReturnType<typeof workspace>, root: string, extra: object) {
  const run = runJob(
    indexerJob,
    { path: root, mode: 'deep', ...extra },
    { store: ws.store, deps: { library: ws.library } },
  );
  const result = await run.result;
  expect(result.status, JSON.stringify(result.failure)).toBe('completed');
  return result;
}

/**
 * 24 files in two directories: JPEGs (one with EXIF orientation 6), PNGs, WebPs, GIFs, text, binary
 * bytes, an empty file, and `gone-a`/`gone-b` that a hook deletes when they are sniffed (non-fatal errors).
 */
async function mixedTree(root: string): Promise<void> {
  for (const dir of ['a', 'b']) fs.mkdirSync(path.join(root, dir), { recursive: true });
  for (let i = 0; i < 21; i++) {
    const file = path.join(root, i % 2 ? 'a' : 'b', `f${String(i).padStart(2, '0')}`);
    const image = () =>
      sharp({ create: { width: 8 + i, height: 5 + 2 * i, channels: 3, background: 'red' } });
    switch (i % 7) {
      case 0:
        await image()
          .jpeg()
          .withMetadata({ orientation: i === 7 ? 6 : 1 })
          .toFile(`${file}.jpg`);
        break;
      case 1:
        await image().png().toFile(`${file}.png`);
        break;
      case 2:
        await image().webp().toFile(`${file}.webp`);
        break;
      case 3:
        await image().gif().toFile(`${file}.gif`);
        break;
      case 4:
        fs.writeFileSync(`${file}.txt`, `line ${i}\n`.repeat(i + 1));
        break;
      case 5:
        fs.writeFileSync(
          `${file}.bin`,
          Buffer.from(Array.from({ length: 300 }, (_, k) => (k * 37 + i) % 256)),
        );
        break;
      default:
        fs.writeFileSync(`${file}.md`, `# ${i}\n`);
    }
  }
  fs.writeFileSync(path.join(root, 'a', 'empty'), '');
  fs.writeFileSync(path.join(root, 'a', 'gone-a.txt'), 'soon gone');
  fs.writeFileSync(path.join(root, 'a', 'gone-b.txt'), 'soon gone too');
}

/** `sniffFile`, but a file named `gone-*` is deleted first (ENOENT, a non-fatal error). */
const deleting: DeepSniff = (file, size) => {
  if (path.basename(file.toString()).startsWith('gone-')) fs.rmSync(file);
  return sniffFile(file, size);
};

/**
 * `inner`, with each sniff held once it has ended until `k` have ended, and then released last first: the
 * phase sees its files end in the reverse of the order they started, `k` at a time.
 */
function reversed(k: number, inner: DeepSniff): DeepSniff {
  let waiting: (() => void)[] = [];
  return async (file, size) => {
    const outcome = await inner(file, size).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (waiting.length < k) return;
      const group = waiting.reverse();
      waiting = [];
      for (const release of group) release();
    });
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  };
}

/** Every entry of the location below `root` as relative path → what the deep phase wrote. */
function deepRows(library: Library, locationId: number, root: string) {
  return [...entriesOfLocation(library, locationId)].map((row) => {
    const e = getEntry(library, row.id)!;
    return {
      path: path.relative(root, pathOf(library, row.id).toString()),
      kind: e.kind,
      mime: e.mime,
      width: e.width,
      height: e.height,
      orientation: e.orientation,
    };
  });
}

const errorsOf = (errors: readonly { message: string; details?: Record<string, unknown> }[], root: string) =>
  errors.map((e) => ({
    message: e.message.replaceAll(root, '<root>'),
    path: String(e.details?.path).replaceAll(root, '<root>'),
    op: e.details?.op,
  }));

/** Time limit of a test whose sniffs wait for each other: a phase sniffing one at a time never lets them go. */
const GATED = 20_000;

describe('the deep phase sniffs several files at once', () => {
  it('has `concurrency` sniffs in flight within a batch, never more, and none of the next batch before it is written', async () => {
    const root = path.join(tempDir(), 'images');
    fs.mkdirSync(root);
    for (let i = 0; i < 40; i++)
      await sharp({ create: { width: 4 + i, height: 3, channels: 3, background: 'green' } })
        .png()
        .toFile(path.join(root, `i${String(i).padStart(2, '0')}.png`));
    const ws = workspace();
    const written = ws.library.db.prepare(
      `SELECT count(*) FROM entries WHERE kind = 'file' AND mime IS NOT NULL`,
    );
    let inFlight = 0;
    let most = 0;
    const writtenAtStart: number[] = [];
    deepSniffer.sniff = async (file, size) => {
      writtenAtStart.push(written.pluck().get() as number);
      most = Math.max(most, ++inFlight);
      try {
        return await sniffFile(file, size);
      } finally {
        inFlight--;
      }
    };
    const result = await index(ws, root, { batchSize: 16, concurrency: 4 });
    expect(result.output!.deep).toBe(40);
    expect(most).toBe(4);
    // Every sniff of a batch starts while exactly the earlier batches are written.
    expect([...new Set(writtenAtStart)]).toEqual([0, 16, 32]);
    expect(writtenAtStart.filter((n) => n === 32)).toHaveLength(8);
  });

  it(
    'writes what a sequential run writes, and the same errors in the same order, when sniffs end out of order',
    async () => {
      const seqRoot = path.join(tempDir(), 'mixed');
      const conRoot = path.join(tempDir(), 'mixed');
      await mixedTree(seqRoot);
      await mixedTree(conRoot);

      const seq = workspace();
      deepSniffer.sniff = deleting;
      const one = await index(seq, seqRoot, { batchSize: 8, concurrency: 1 });
      const con = workspace();
      deepSniffer.sniff = reversed(4, deleting);
      const many = await index(con, conRoot, { batchSize: 8, concurrency: 4 });

      const expected = deepRows(seq.library, one.output!.locationId!, seqRoot);
      expect(expected.filter((r) => r.kind === 'file')).toHaveLength(24);
      expect(expected.find((r) => r.path === 'a/f07.jpg')).toMatchObject({
        mime: 'image/jpeg',
        width: 15,
        height: 19,
        orientation: 6,
      });
      expect(expected.find((r) => r.path === 'a/f01.png')).toMatchObject({
        mime: 'image/png',
        width: 9,
        height: 7,
      });
      expect(deepRows(con.library, many.output!.locationId!, conRoot)).toEqual(expected);
      expect(one.errors.map((e) => e.details?.path)).toEqual([
        path.join(seqRoot, 'a', 'gone-a.txt'),
        path.join(seqRoot, 'a', 'gone-b.txt'),
      ]);
      expect(errorsOf(many.errors, conRoot)).toEqual(errorsOf(one.errors, seqRoot));
      expect({ ...many.output, locationId: 0, path: '' }).toEqual({ ...one.output, locationId: 0, path: '' });
    },
    GATED,
  );

  it(
    'an ephemeral deep index gives what a sequential one gives, errors in entry order',
    async () => {
      const seqRoot = path.join(tempDir(), 'mixed');
      const conRoot = path.join(tempDir(), 'mixed');
      await mixedTree(seqRoot);
      await mixedTree(conRoot);
      const run = async (root: string, concurrency: number) => {
        const result = await runJob(
          indexerJob,
          { path: root, mode: 'deep', ephemeral: true, concurrency },
          { store: workspace().store },
        ).result;
        expect(result.status).toBe('completed');
        const entries = result.output!.entries!.map((e) => ({
          path: path.relative(root, e.path),
          mime: e.mime,
          width: e.width,
          height: e.height,
        }));
        return { entries, errors: errorsOf(result.errors, root) };
      };
      deepSniffer.sniff = deleting;
      const one = await run(seqRoot, 1);
      deepSniffer.sniff = reversed(4, deleting);
      const many = await run(conRoot, 4);
      expect(one.errors.map((e) => e.path)).toEqual(['<root>/a/gone-a.txt', '<root>/a/gone-b.txt']);
      expect(many).toEqual(one);
    },
    GATED,
  );
});
