#!/usr/bin/env node
/**
 * The duplicate and validation benchmarks' tree: 100,000 files in 5,000 directories (four levels, ten
 * subdirectories each), sizes log-uniform from 512 B to 128 KiB (about 2.3 GiB), 10% of them exact copies of
 * an earlier file (in another directory). Every other file starts with its own 16-byte header and goes on
 * with bytes of a shared pseudo-random pool, so files of one size differ from their first bytes, as real
 * files mostly do.
 *
 *   node bench/duplicates/makeDupTree.js [DIR]
 *
 * Made ONCE under DIR (default $TMPDIR/phasekit-bench-duplicates) and reused: DIR/ready.json marks a finished
 * tree. Never deleted and recreated before a run (creating files right after a mass delete is 3–6x slower
 * here for minutes; see shared/BENCHMARKING.md).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writevSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prng } from '../lib/prng.js';

export const TREE_VERSION = 1;
export const DEFAULT_DIR = join(tmpdir(), 'phasekit-bench-duplicates');
const FILES = 100_000;
const DIRS = 5_000;
const SEED = 0xd0b1e5;
const POOL = 8 * 1024 * 1024;

function dirPath(i, cache) {
  let p = cache[i];
  if (p === undefined) {
    p = i < 10 ? `d${i}` : `${dirPath(Math.floor(i / 10) - 1, cache)}/d${i}`;
    cache[i] = p;
  }
  return p;
}

/** The plan: directories and files `{ path, size, seed }`; copies share an earlier file's size and seed. */
export function planTree() {
  const rand = prng(SEED);
  const cache = new Array(DIRS);
  const dirs = Array.from({ length: DIRS }, (_, i) => dirPath(i, cache));
  const files = new Array(FILES);
  let bytes = 0;
  let copies = 0;
  for (let j = 0; j < FILES; j++) {
    let size = Math.floor(512 * Math.exp(rand() * Math.log(256)));
    let seed = j;
    if (j >= 100 && rand() < 0.1) {
      const of = files[Math.floor(rand() * j)];
      size = of.size;
      seed = of.seed;
      copies++;
    }
    files[j] = { path: `${dirs[(j * 7) % DIRS]}/f${j}.bin`, size, seed };
    bytes += size;
  }
  return { dirs, files, bytes, copies };
}

/** Make the tree unless its marker says it is there. Returns `{ root, files, bytes, copies, created }`. */
export function makeDupTree(dir = DEFAULT_DIR, log = () => {}) {
  const root = join(resolve(dir), 'tree');
  const marker = join(resolve(dir), 'ready.json');
  if (existsSync(marker)) {
    const found = JSON.parse(readFileSync(marker, 'utf8'));
    if (found.version === TREE_VERSION && existsSync(root)) return { root, ...found, created: false };
    throw new Error(
      `${marker} describes another tree: pick another DIR (never delete and recreate a big tree before a benchmark).`,
    );
  }
  const t0 = performance.now();
  const plan = planTree();
  log(
    `making ${FILES} files (${(plan.bytes / 2 ** 30).toFixed(2)} GiB, ${plan.copies} copies) under ${root}`,
  );
  const pool = Buffer.allocUnsafe(POOL);
  const rand = prng(SEED ^ 0xabcdef);
  for (let i = 0; i < POOL; i += 4) pool.writeUInt32LE((rand() * 4294967296) >>> 0, i);
  mkdirSync(root, { recursive: true });
  for (const d of plan.dirs) mkdirSync(join(root, d), { recursive: true });
  const header = Buffer.alloc(16);
  for (const f of plan.files) {
    const fd = openSync(join(root, f.path), 'w');
    try {
      header.fill(0);
      header.write(`file ${f.seed}`, 'latin1');
      const head = header.subarray(0, Math.min(16, f.size));
      const at = (f.seed * 4099) % (POOL / 2);
      writevSync(fd, [head, pool.subarray(at, at + f.size - head.length)]);
    } finally {
      closeSync(fd);
    }
  }
  const info = { version: TREE_VERSION, files: FILES, dirs: DIRS, bytes: plan.bytes, copies: plan.copies };
  writeFileSync(
    marker,
    `${JSON.stringify({ ...info, madeAt: new Date().toISOString(), seconds: (performance.now() - t0) / 1000 })}\n`,
  );
  log(`made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { root, ...info, created: true };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const made = makeDupTree(process.argv[2], (...a) => console.log(...a));
  console.log(
    `${made.created ? 'made' : 'reused'} ${made.root}: ${made.files} files, ${(made.bytes / 2 ** 30).toFixed(2)} GiB`,
  );
}
