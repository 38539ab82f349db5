/**
 * The copy and delete benchmarks' material, made once under the OS temp dir and reused (never deleted and
 * recreated: creating files right after a mass delete is 3–6x slower here for minutes):
 *
 * - `tree/`: 20,000 files in 1,000 directories (ten top directories, nested two deep), sizes from a fixed
 *   pseudo-random distribution (1% empty, most under 32 KiB, some up to 2 MiB) plus four 128 MiB files:
 *   about 1.1 GiB in all;
 * - `one.bin`: a single 1 GiB file.
 *
 * A marker (`ready.json`) records a finished set; an interrupted run is finished by overwriting in place.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prng } from '../lib/prng.js';

export const VERSION = 1;
export const DEFAULT_DIR = join(tmpdir(), 'phasekit-bench-copy');
export const FILES = 20_000;
const DIRS = 1_000;
const LARGE = 4;
const LARGE_SIZE = 128 * 1024 * 1024;
const ONE_SIZE = 1024 * 1024 * 1024;

function fill(fd, size, pool, seed) {
  const header = Buffer.alloc(16);
  header.writeUInt32LE(seed, 0);
  if (size > 0) writeSync(fd, header, 0, Math.min(16, size));
  for (let at = 16; at < size; ) {
    const n = Math.min(pool.length - (seed % 4096), size - at);
    writeSync(fd, pool, seed % 4096, n);
    at += n;
  }
}

/** Make (or find) the material; returns `{ tree, one, files, bytes }`. */
export function makeCopyTree(dir = DEFAULT_DIR, log = () => {}) {
  const marker = join(dir, 'ready.json');
  if (existsSync(marker)) {
    const made = JSON.parse(readFileSync(marker, 'utf8'));
    if (made.version === VERSION) return made;
  }
  log(`making the copy benchmark tree under ${dir} (once)…`);
  const rand = prng(0xc0ffee);
  const pool = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i < pool.length; i += 4) pool.writeUInt32LE((rand() * 2 ** 32) >>> 0, i);
  const tree = join(dir, 'tree');
  const dirs = [];
  for (let i = 0; i < DIRS; i++) {
    const p = i < 10 ? `d${i}` : i < 110 ? `d${i % 10}/e${i}` : `d${i % 10}/e${10 + (i % 100)}/f${i}`;
    dirs.push(p);
    mkdirSync(join(tree, p), { recursive: true });
  }
  let bytes = 0;
  for (let j = 0; j < FILES; j++) {
    const r = rand();
    let size;
    if (j < LARGE) size = LARGE_SIZE;
    else if (r < 0.01) size = 0;
    else if (r < 0.8) size = Math.floor(rand() * 16 * 1024);
    else if (r < 0.98) size = 16 * 1024 + Math.floor(rand() * 48 * 1024);
    else size = 64 * 1024 + Math.floor(rand() * 2 * 1024 * 1024);
    const fd = openSync(join(tree, dirs[j % DIRS], `file${j}.dat`), 'w');
    fill(fd, size, pool, j);
    closeSync(fd);
    bytes += size;
  }
  const one = join(dir, 'one.bin');
  const fd = openSync(one, 'w');
  fill(fd, ONE_SIZE, pool, 1);
  closeSync(fd);
  const made = { version: VERSION, tree, one, files: FILES, bytes, oneBytes: ONE_SIZE };
  writeFileSync(marker, JSON.stringify(made));
  return made;
}
