import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../machines/helpers.js';
import { cli, killAfter, lastJson, phasekit, runTimed } from './phasekitProcess.js';

const _root = path.resolve(import.meta.dirname, '../..');

beforeAll(() => {
  if (!fs.existsSync(cli))
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test.');
});

/** `count` distinct JPEGs (two colours each, a few sizes and orientations) and one corrupt file. */
async function makePhotos(dir: string, count: number) {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const [width, height] = i % 3 === 0 ? [750, 1000] : [1000 + (i % 5) * 60, 750];
    const half = await sharp({
      create: {
        width: Math.floor(width / 2),
        height,
        channels: 3,
        background: { r: (i * 37) % 256, g: 90, b: 200 },
      },
    })
      .png()
      .toBuffer();
    await sharp({ create: { width, height, channels: 3, background: { r: 20, g: (i * 53) % 256, b: 60 } } })
      .composite([{ input: half, left: 0, top: 0 }])
      .jpeg({ quality: 85 })
      .toFile(path.join(dir, `photo-${String(i).padStart(3, '0')}.jpg`));
  }
  fs.writeFileSync(
    path.join(dir, 'broken.jpg'),
    Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(3000, 7)]),
  );
}

/** Every file under the thumbnails directory with a hash of its bytes, and the library's records. */
function snapshot(library: string) {
  const dir = path.join(path.dirname(library), 'thumbnails');
  const files = fs.existsSync(dir)
    ? (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
        .filter((d) => d.isFile())
        .map((d) => {
          const file = path.join(d.parentPath, d.name);
          return `${path.relative(dir, file)} ${crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;
        })
        .sort()
    : [];
  const db = new Database(library, { readonly: true });
  const records = db
    .prepare('SELECT content_id, variant, width, height, bytes FROM thumbnails ORDER BY 1, 2')
    .all();
  db.close();
  return { files, records };
}

function indexInto(tree: string, library: string) {
  const indexed = phasekit(['index', tree, '--mode', 'content', '--library', library, '--json']);
  expect(indexed.code, indexed.stderr).toBe(0);
}

describe('phasekit thumbnails', () => {
  it('SIGKILLed at 5+ random moments and resumed each time, ends with the thumbnails of an uninterrupted run and no temporary files', async () => {
    const tree = path.join(tempDir(), 'photos');
    await makePhotos(tree, 18);
    const args = ['--variants', 'grid@1x,detail@1x', '--batch-size', '2', '--json'];

    const reference = path.join(tempDir(), 'library.db');
    indexInto(tree, reference);
    const full = await runTimed(['thumbnails', '--library', reference, ...args]);
    // The corrupt image is a failed item: completed, exit 1.
    expect(full.code, full.out).toBe(1);
    expect(lastJson(full.out).output).toMatchObject({ images: 18, thumbnails: 36, failed: 1 });
    const expected = snapshot(reference);
    expect(expected.files).toHaveLength(36);

    const library = path.join(tempDir(), 'library.db');
    indexInto(tree, library);
    const seed = Number(process.env.PHASEKIT_CRASH_SEED ?? 611);
    // Kill moments after the first progress line, within an eighth of how long the uninterrupted run went on
    // after it: six kills move the job at most three quarters of the way.
    const span = Math.max(10, Math.floor(full.afterTriggerMs / 8));
    const moments = fc.sample(fc.integer({ min: 0, max: span }), { seed, numRuns: 40 });
    let kills = 0;
    let id: string | undefined;
    let finished = false;
    for (const ms of moments) {
      const { signal, code, out } = await killAfter(
        id ? ['resume', id, '--library', library, '--json'] : ['thumbnails', '--library', library, ...args],
        ms,
      );
      if (!id) {
        const jobs = JSON.parse(phasekit(['jobs', '--library', library, '--json']).stdout) as {
          id: string;
        }[];
        id = jobs[0]?.id;
      }
      if (signal === 'SIGKILL') kills++;
      else if (code === 1 && out.includes('already ended (completed)')) {
        // The previous kill landed after the job's final checkpoint: it was done.
        finished = true;
        break;
      } else {
        expect(code, out).toBe(1);
        expect(lastJson(out)).toMatchObject({ status: 'completed', exitCode: 1 });
        finished = true;
        break;
      }
      if (kills >= 6) break;
    }
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(id).toBeDefined();
    if (!finished) {
      const last = phasekit(['resume', id!, '--library', library, '--json']);
      expect(last.code, last.stderr).toBe(1);
      expect(lastJson(last.stdout).status).toBe('completed');
    }
    expect(snapshot(library)).toEqual(expected);
    expect(fs.existsSync(path.join(path.dirname(library), 'thumbnails', '.tmp'))).toBe(false);
  }, 240_000);

  it('Ctrl-C pauses with exit 130; resume finishes; index --mode deep --thumbnails makes them after the index', async () => {
    const tree = path.join(tempDir(), 'photos');
    await makePhotos(tree, 8);
    const library = path.join(tempDir(), 'library.db');
    const child = spawn(
      process.execPath,
      [cli, 'index', tree, '--mode', 'deep', '--thumbnails', '--library', library, '--json'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d) => {
        out += d;
        // The index's result line, then the thumbnail job's first progress in processing: pause there.
        if (
          /"status":"completed","output":\{"files"/.test(out) &&
          /"phase":"processing","phaseIndex":1,"phaseCount":4/.test(out)
        )
          resolve();
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stderr.resume();
    const paused = lastJson(out);
    expect(code, out).toBe(130);
    expect(paused).toMatchObject({ status: 'paused' });
    const resumed = phasekit(['resume', paused.jobId, '--library', library, '--json']);
    expect(resumed.code, resumed.stderr).toBe(1);
    expect(lastJson(resumed.stdout).output).toMatchObject({ failed: 1 });
    expect(snapshot(library).files).toHaveLength(8 * 3);

    expect(phasekit(['thumbnails', path.join(tree, 'nope'), '--library', library]).stderr).toMatch(
      /is not a location of .*Index it first/,
    );
    expect(
      phasekit(['thumbnails', '--variants', 'grid@1x,huge:5000:80', '--library', library]).stderr,
    ).toMatch(/size 5000 is out of range/);
    expect(phasekit(['index', tree, '--thumbnails', '--library', library]).stderr).toMatch(
      /--thumbnails needs --mode deep/,
    );
  }, 120_000);
});
