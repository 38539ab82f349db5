#!/usr/bin/env node
/**
 * The indexer benchmarks' tree: 100,000 files in 5,000 directories (nested four levels, ten subdirectories
 * per directory), sizes from a fixed pseudo-random distribution: 1% empty, 74% up to 4 KiB, 20% 4–32 KiB,
 * 3.5% 32–100 KiB and 1.5% 100 KiB–4 MiB (log-uniform), about 2.2 GiB in all. Every file starts with its own
 * 16-byte header (so content ids are distinct), except 5% that copy an earlier file exactly (duplicates), and
 * goes on with bytes of a shared pseudo-random pool.
 *
 *   node bench/indexer/makeTree.js DIR [files] [dirs]
 *
 * The tree goes to DIR/tree and, once complete, DIR/ready.json records what was made. A later call with the
 * same parameters finds the marker and returns at once: the tree is made ONCE and reused, never deleted and
 * recreated (creating files right after a mass delete is 3–6x slower here for minutes; see
 * shared/BENCHMARKING.md). An interrupted run (no marker) is finished by overwriting in place, no delete.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writevSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prng } from '../lib/prng.js';

export const TREE_VERSION = 1;
export const DEFAULT_FILES = 100_000;
export const DEFAULT_DIRS = 5_000;
/** Where the bench module keeps its tree between runs (outside the per-run temp dirs, which are removed). */
export const DEFAULT_DIR = join(tmpdir(), 'phasekit-bench-indexer');
const SEED = 0x5eed_1dec;
const FANOUT = 10;
const EXTENSIONS = ['txt', 'jpg', 'png', 'js', 'md', 'json', 'bin', 'rs', 'pdf', 'mp3', 'c', 'html'];
const POOL = 8 * 1024 * 1024;
const KiB = 1024;

/** Directory `i`'s path relative to the tree: d0..d9 at the top, then ten children per directory. */
function dirPath(i, cache) {
  let p = cache[i];
  if (p === undefined) {
    p = i < FANOUT ? `d${i}` : `${dirPath(Math.floor(i / FANOUT) - 1, cache)}/d${i}`;
    cache[i] = p;
  }
  return p;
}

/**
 * The tree's plan, without touching the disk: directories (parents first) and files with their sizes and
 * content seeds. Deterministic for given `files` and `dirs`.
 */
export function planTree(files = DEFAULT_FILES, dirs = DEFAULT_DIRS) {
  const rand = prng(SEED);
  const cache = new Array(dirs);
  const dirList = Array.from({ length: dirs }, (_, i) => dirPath(i, cache));
  const fileList = new Array(files);
  let bytes = 0;
  for (let j = 0; j < files; j++) {
    const r = rand();
    let size;
    if (r < 0.01) size = 0;
    else if (r < 0.75) size = 1 + Math.floor(rand() * 4 * KiB);
    else if (r < 0.95) size = 4 * KiB + Math.floor(rand() * 28 * KiB);
    else if (r < 0.985) size = 32 * KiB + Math.floor(rand() * 68 * KiB);
    else size = Math.floor(100 * KiB * Math.exp(rand() * Math.log(40))); // 100 KiB .. 4 MiB
    let seed = j;
    if (j >= 1000 && rand() < 0.05) {
      // An exact duplicate of an earlier file.
      size = fileList[j - 1000].size;
      seed = fileList[j - 1000].seed;
    }
    const dir = dirList[j % dirs];
    fileList[j] = { path: `${dir}/f${j}.${EXTENSIONS[j % EXTENSIONS.length]}`, size, seed };
    bytes += size;
  }
  return { files: fileList, dirs: dirList, bytes };
}

/**
 * Make the tree under `dir` (at `dir/tree`) unless `dir/ready.json` says it is there already.
 * @returns {{ root: string, files: number, dirs: number, bytes: number, created: boolean, seconds: number }}
 */
export function makeTree(dir = DEFAULT_DIR, files = DEFAULT_FILES, dirs = DEFAULT_DIRS, log = () => {}) {
  const root = join(resolve(dir), 'tree');
  const marker = join(resolve(dir), 'ready.json');
  const wanted = { version: TREE_VERSION, files, dirs, seed: SEED };
  if (existsSync(marker)) {
    try {
      const found = JSON.parse(readFileSync(marker, 'utf8'));
      if (
        found.version === wanted.version &&
        found.files === files &&
        found.dirs === dirs &&
        found.seed === SEED &&
        existsSync(root)
      ) {
        return { root, files, dirs, bytes: found.bytes, created: false, seconds: 0 };
      }
    } catch {
      // unreadable marker: make the tree again (in place)
    }
    throw new Error(
      `${marker} describes another tree than ${files} files / ${dirs} dirs v${TREE_VERSION}: ` +
        'pick another DIR (never delete and recreate a big tree right before benchmarking).',
    );
  }
  const t0 = performance.now();
  const plan = planTree(files, dirs);
  log(
    `making ${files.toLocaleString('en-US')} files (${(plan.bytes / 2 ** 30).toFixed(2)} GiB) in ${dirs} dirs under ${root}`,
  );
  // The shared pool of pseudo-random bytes the files' bodies are cut from.
  const pool = Buffer.allocUnsafe(POOL);
  const rand = prng(SEED ^ 0xabcdef);
  for (let i = 0; i < POOL; i += 4) pool.writeUInt32LE((rand() * 4294967296) >>> 0, i);
  mkdirSync(root, { recursive: true });
  for (const d of plan.dirs) mkdirSync(join(root, d), { recursive: true });
  const header = Buffer.alloc(16);
  for (const f of plan.files) {
    const fd = openSync(join(root, f.path), 'w');
    try {
      if (f.size > 0) {
        header.fill(0);
        header.write(`file ${f.seed}`, 'latin1');
        const head = header.subarray(0, Math.min(16, f.size));
        const rest = f.size - head.length;
        const at = (f.seed * 4099) % (POOL / 2);
        writevSync(fd, rest > 0 ? [head, pool.subarray(at, at + rest)] : [head]);
      }
    } finally {
      closeSync(fd);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  writeFileSync(
    marker,
    `${JSON.stringify({ ...wanted, bytes: plan.bytes, madeAt: new Date().toISOString(), seconds })}\n`,
  );
  log(`made in ${seconds.toFixed(1)} s`);
  return { root, files, dirs, bytes: plan.bytes, created: true, seconds };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir = DEFAULT_DIR, files = String(DEFAULT_FILES), dirs = String(DEFAULT_DIRS)] =
    process.argv.slice(2);
  const made = makeTree(dir, Number(files), Number(dirs), (...a) => console.log(...a));
  console.log(
    `${made.created ? 'made' : 'reused'} ${made.root}: ${made.files.toLocaleString('en-US')} files, ` +
      `${made.dirs.toLocaleString('en-US')} dirs, ${(made.bytes / 2 ** 30).toFixed(2)} GiB` +
      (made.created ? ` in ${made.seconds.toFixed(1)} s` : ''),
  );
}
