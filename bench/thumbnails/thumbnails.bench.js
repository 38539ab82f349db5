/**
 * The thumbnail job on generated 4000×3000 JPEGs (500; 100 with --quick), the default three variants
 * (grid@1x 256/q85, grid@2x 512/q85, detail@1x 1024/q90), at the job's default concurrency, against:
 *
 * - a bare sharp loop doing the same resizes the same way (decode once, shrunk on load to 1024, then the three
 *   WebP encodes from that) with the same concurrency — the target: the job within 1.15× of it;
 * - a naive bare sharp loop (one `sharp(file).rotate().resize().webp().toFile()` per variant: three decodes);
 * - `vipsthumbnail` (apt package libvips-tools), one call per variant (it makes one size per run), files split
 *   over `xargs -P <concurrency>` with VIPS_CONCURRENCY=1, like sharp's one libvips thread per image here.
 *
 * The images are cut into chunks of 50, each its own directory and library location. Every round, every
 * variant makes the thumbnails of the next chunk into a fresh directory (the job into a fresh copy of an
 * indexed library), so a round's ratio compares the same 50 images. Also reported: images per second and the
 * peak RSS of this process while the job runs (target below 1 GiB).
 *
 * The generated images are kept in $TMPDIR/phasekit-bench-thumbnails-<N> and reused by later runs (making them
 * takes a minute): 16 noise textures, each file one of them plus unique bytes after the JPEG end marker (so
 * each has its own content id; decoders stop at the marker).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { runJob } from '../../dist/index.js';
import { SqliteStore } from '../../dist/sqlite.js';
import { indexerJob } from '../../dist/jobs/indexer/indexerJob.js';
import { openLibrary } from '../../dist/jobs/library/openLibrary.js';
import { defaultThumbnailConcurrency } from '../../dist/jobs/thumbnails/defaultConcurrency.js';
import { thumbnailsJob } from '../../dist/jobs/thumbnails/thumbnailsJob.js';
import { resolveVariants } from '../../dist/jobs/thumbnails/variants.js';

const run$ = promisify(execFile);
const CHUNK = 50;
const VARIANTS = resolveVariants();

async function makeImages(count) {
  const dir = path.join(os.tmpdir(), `phasekit-bench-thumbnails-${count}`);
  const done = path.join(dir, '.complete');
  if (fs.existsSync(done)) return dir;
  fs.mkdirSync(dir, { recursive: true });
  const bases = [];
  for (let t = 0; t < 16; t++) {
    bases.push(
      await sharp({
        create: {
          width: 1000,
          height: 750,
          channels: 3,
          noise: { type: 'gaussian', mean: 100 + t * 3, sigma: 30 + t },
        },
      })
        .resize(4000, 3000)
        .jpeg({ quality: 88 })
        .toBuffer(),
    );
  }
  for (let i = 0; i < count; i++) {
    const chunk = path.join(dir, `chunk-${String(Math.floor(i / CHUNK)).padStart(2, '0')}`);
    fs.mkdirSync(chunk, { recursive: true });
    const unique = Buffer.from(`phasekit bench image ${i} `.repeat(40));
    fs.writeFileSync(
      path.join(chunk, `img-${String(i).padStart(4, '0')}.jpg`),
      Buffer.concat([bases[i % 16], unique]),
    );
  }
  fs.writeFileSync(done, '');
  return dir;
}

function listChunks(dir) {
  return fs
    .readdirSync(dir)
    .filter((n) => n.startsWith('chunk-'))
    .sort()
    .map((n) => {
      const chunk = path.join(dir, n);
      return {
        dir: chunk,
        files: fs
          .readdirSync(chunk)
          .sort()
          .map((f) => path.join(chunk, f)),
      };
    });
}

/** `fn` over `items`, at most `limit` at once. */
async function pool(items, limit, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

export async function run(ctx) {
  const count = ctx.quick ? 100 : 500;
  const concurrency = defaultThumbnailConcurrency();
  const t0 = performance.now();
  const images = await makeImages(count);
  const chunks = listChunks(images);
  ctx.log(
    `${count} images in ${chunks.length} chunks ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const meta = await sharp(chunks[0].files[0]).metadata();
  if (meta.width !== 4000 || meta.height !== 3000) throw new Error('bench images are not 4000×3000');

  // One indexed library, a location per chunk; every job run gets a fresh copy.
  const work = ctx.tmpdir('phasekit-bench-thumbs-');
  const template = path.join(work, 'template.db');
  {
    const library = openLibrary(template);
    const store = new SqliteStore(library.db);
    for (const chunk of chunks) {
      const result = await runJob(
        indexerJob,
        { path: chunk.dir, mode: 'content' },
        { store, deps: { library } },
      ).result;
      if (result.status !== 'completed') throw new Error(`index failed: ${result.failure?.message}`);
    }
    library.db.pragma('wal_checkpoint(TRUNCATE)');
    library.close();
  }

  let fresh = 0;
  const freshDir = () => {
    const dir = path.join(work, `out-${fresh++}`);
    fs.mkdirSync(dir);
    return dir;
  };
  const counters = {};
  const nextChunk = (name) => {
    counters[name] = (counters[name] ?? 0) + 1;
    return chunks[(counters[name] - 1) % chunks.length];
  };

  let peakRss = 0;
  const jobOnce = async () => {
    const chunk = nextChunk('job');
    const dir = freshDir();
    fs.copyFileSync(template, path.join(dir, 'library.db'));
    const library = openLibrary(path.join(dir, 'library.db'));
    const store = new SqliteStore(library.db);
    const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 25);
    try {
      const result = await runJob(thumbnailsJob, { location: chunk.dir }, { store, deps: { library } })
        .result;
      if (result.status !== 'completed' || result.output.images !== chunk.files.length) {
        throw new Error(
          `thumbnail job: ${result.status} ${JSON.stringify(result.output)} ${result.failure?.message}`,
        );
      }
    } finally {
      clearInterval(timer);
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      library.close();
    }
  };

  const bareOnce = async () => {
    const chunk = nextChunk('bare');
    const dir = freshDir();
    await pool(chunk.files, concurrency, async (file) => {
      const name = path.basename(file, '.jpg');
      const { data, info } = await sharp(file)
        .autoOrient()
        .resize(1024, 1024, { fit: 'inside', withoutEnlargement: true })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
      await Promise.all(
        VARIANTS.map((v) =>
          sharp(data, raw)
            .resize(v.size, v.size, { fit: 'inside', withoutEnlargement: true })
            .webp({ quality: v.quality })
            .toFile(path.join(dir, `${name}.${v.name}.webp`)),
        ),
      );
    });
  };

  const naiveOnce = async () => {
    const chunk = nextChunk('naive');
    const dir = freshDir();
    await pool(chunk.files, concurrency, async (file) => {
      const name = path.basename(file, '.jpg');
      for (const v of VARIANTS) {
        await sharp(file)
          .rotate()
          .resize(v.size, v.size, { fit: 'inside', withoutEnlargement: true })
          .webp({ quality: v.quality })
          .toFile(path.join(dir, `${name}.${v.name}.webp`));
      }
    });
  };

  let vips = true;
  try {
    await run$('vipsthumbnail', ['--vips-version']);
  } catch {
    vips = false;
    ctx.log('vipsthumbnail not found (apt-get install libvips-tools): its row is skipped');
  }
  const vipsOnce = async () => {
    const chunk = nextChunk('vips');
    const dir = freshDir();
    const per = Math.ceil(chunk.files.length / concurrency);
    const slices = Array.from({ length: concurrency }, (_, i) => chunk.files.slice(i * per, (i + 1) * per));
    // xargs -P: `concurrency` vipsthumbnail processes at a time, one per slice and variant.
    const jobs = VARIANTS.flatMap((v) => slices.filter((s) => s.length > 0).map((s) => ({ v, s })));
    await pool(jobs, concurrency, ({ v, s }) =>
      run$(
        'vipsthumbnail',
        ['--size', `${v.size}x${v.size}>`, '-o', path.join(dir, `%s.${v.name}.webp[Q=${v.quality}]`), ...s],
        {
          env: { ...process.env, VIPS_CONCURRENCY: '1' },
        },
      ),
    );
  };

  const variants = {
    job: { fn: jobOnce, ops: CHUNK },
    bare: { fn: bareOnce, ops: CHUNK },
    naive: { fn: naiveOnce, ops: CHUNK },
    ...(vips ? { vipsthumbnail: { fn: vipsOnce, ops: CHUNK } } : {}),
  };
  // Rounds = chunks: every image is made once by every variant (the warm-up round reuses the first chunk).
  const m = await ctx.measure(variants, { rounds: chunks.length, warmupRounds: 1, minSampleMs: 1 });
  const note = `${count} JPEGs 4000×3000 (~4 MB), grid@1x+grid@2x+detail@1x WebP, concurrency ${concurrency}, ${os.availableParallelism()} CPUs`;
  ctx.reportVs(m, {
    name: 'thumbnails: job vs bare sharp loop (same resizes)',
    subject: 'job',
    anchor: 'bare',
    anchorLabel: 'bare sharp loop, decode once',
    unit: 'ms/image',
    note,
  });
  ctx.reportVs(m, {
    name: 'thumbnails: job vs naive sharp loop (decode per variant)',
    subject: 'job',
    anchor: 'naive',
    anchorLabel: 'sharp per variant',
    unit: 'ms/image',
  });
  if (vips) {
    ctx.reportVs(m, {
      name: 'thumbnails: job vs vipsthumbnail',
      subject: 'job',
      anchor: 'vipsthumbnail',
      anchorLabel: `vipsthumbnail ×3, -P${concurrency}`,
      unit: 'ms/image',
    });
  }
  const ratio = m.ratio('job', 'bare');
  ctx.report({
    name: 'thumbnails: job / bare sharp loop ratio',
    figure: ratio.median,
    unit: '×',
    spread: { p25: ratio.p25, p75: ratio.p75 },
    target: { max: 1.15 },
  });
  const medianNs = m.variants.job.nsPerOp.median;
  ctx.report({ name: 'thumbnails: job throughput', figure: 1e9 / medianNs, unit: 'images/s', note });
  // The job alone in a fresh process per chunk (two chunks), at the default concurrency: its own peak RSS.
  const alone = freshDir();
  fs.copyFileSync(template, path.join(alone, 'library.db'));
  let maxRssBytes = 0;
  for (const chunk of chunks.slice(0, 2)) {
    const { stdout } = await run$(process.execPath, [
      path.join(import.meta.dirname, 'jobRss.js'),
      path.join(alone, 'library.db'),
      chunk.dir,
    ]);
    const r = JSON.parse(stdout.trim().split('\n').at(-1));
    if (r.images !== chunk.files.length)
      throw new Error(`jobRss made ${r.images} of ${chunk.files.length} images`);
    maxRssBytes = Math.max(maxRssBytes, r.maxRssBytes);
  }
  ctx.report({
    name: 'thumbnails: peak RSS of the job alone',
    figure: maxRssBytes / 2 ** 20,
    unit: 'MiB',
    target: { max: 1024 },
    note: `a fresh node process per ${CHUNK}-image location, concurrency ${concurrency} (getrusage maxRSS)`,
  });
  ctx.report({
    name: 'split: peak RSS of the bench process while the job ran',
    figure: peakRss / 2 ** 20,
    unit: 'MiB',
    note: 'includes what the other variants left behind (libvips cache, malloc arenas)',
  });
}
