#!/usr/bin/env node
/**
 * BLAKE3 throughput on this machine: which implementation `src/jobs/content/blake3.ts` should use.
 *
 * Compares `@napi-rs/blake-hash` (native, one-shot and incremental), `hash-wasm` (`createBLAKE3`) and
 * `@noble/hashes/blake3` (pure JS) against `b3sum --num-threads 1` on one large file (1 GiB by default, in
 * the page cache), and on many small buffers (64 B, 1 KiB, and the update pattern of one sampled content id).
 *
 *   node bench/content/blake3.bench.mjs [--size-mib 1024] [--reps 3] [--file PATH] [--json OUT]
 *
 * Plain `.mjs` on purpose: it imports the packages directly and needs no build. `b3sum` is not a project
 * dependency (`apt-get install b3sum`); without it the ratio column is left empty.
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import { open } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as napi from '@napi-rs/blake-hash';
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js';
import { createBLAKE3 } from 'hash-wasm';

const { values: args } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '1024' },
    reps: { type: 'string', default: '3' },
    file: { type: 'string' },
    json: { type: 'string' },
  },
});
const sizeBytes = Number(args['size-mib']) * 1024 * 1024;
const reps = Number(args.reps);
const CHUNK = 1 << 20;

// Official BLAKE3 vectors (https://github.com/BLAKE3-team/BLAKE3/blob/master/test_vectors): '' and 'abc'.
const VECTORS = [
  ['', 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262'],
  ['abc', '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85'],
];

const wasm = await createBLAKE3();
const hex = (digest) => (typeof digest === 'string' ? digest : Buffer.from(digest).toString('hex'));
// napi-rs allocates a Buffer per returned digest and per hasher (~2-7 us each); a reused hasher with a hex
// digest avoids both. This is what `blake3Hex` in src/jobs/content/blake3.ts does.
const shared = new napi.Blake3Hasher();

/** Each implementation as one-shot `hash(bytes)` and an incremental `create()`. */
const impls = {
  'napi-rs': {
    hash: (b) => napi.blake3(b),
    create: () => {
      const h = new napi.Blake3Hasher();
      return { update: (b) => h.update(b), digest: () => h.digestBuffer() };
    },
  },
  'napi-rs reused': {
    hash: (b) => {
      shared.reset();
      shared.update(b);
      return shared.digest('hex');
    },
    create: () => {
      shared.reset();
      return { update: (b) => shared.update(b), digest: () => shared.digest('hex') };
    },
  },
  'hash-wasm': {
    hash: (b) => wasm.init().update(b).digest('binary'),
    // One wasm instance, re-initialised: creating one per hash is async and far slower.
    create: () => {
      wasm.init();
      return { update: (b) => wasm.update(b), digest: () => wasm.digest('binary') };
    },
  },
  noble: {
    hash: (b) => nobleBlake3(b),
    create: () => {
      const h = nobleBlake3.create();
      return { update: (b) => h.update(b), digest: () => h.digest() };
    },
  },
};

function checkVectors() {
  for (const [input, expected] of VECTORS) {
    const bytes = Buffer.from(input);
    for (const [name, impl] of Object.entries(impls)) {
      const oneShot = hex(impl.hash(bytes));
      const h = impl.create();
      h.update(bytes);
      const streamed = hex(h.digest());
      if (oneShot !== expected || streamed !== expected) {
        throw new Error(`${name} disagrees on BLAKE3(${JSON.stringify(input)}): ${oneShot} / ${streamed}`);
      }
    }
    const b3 = spawnSync('b3sum', ['--num-threads', '1'], { input: bytes, encoding: 'utf8' });
    if (b3.status === 0 && !b3.stdout.startsWith(expected)) throw new Error(`b3sum disagrees: ${b3.stdout}`);
  }
}

/** Runs `fn` `reps` times; keeps the fastest wall time and its CPU time (to catch hidden threads). */
function best(fn, n = reps) {
  let top = { wall: Number.POSITIVE_INFINITY, cpu: 0, result: undefined };
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = fn();
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (wall < top.wall) top = { wall, cpu: (c.user + c.system) / 1000, result };
  }
  return top;
}

async function bestAsync(fn, n = reps) {
  let top = { wall: Number.POSITIVE_INFINITY, cpu: 0, result: undefined };
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await fn();
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (wall < top.wall) top = { wall, cpu: (c.user + c.system) / 1000, result };
  }
  return top;
}

function makeFile() {
  if (args.file) return { file: args.file, cleanup: () => {} };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phasekit-blake3-'));
  const file = path.join(dir, 'big.bin');
  const fd = fs.openSync(file, 'w');
  const buf = Buffer.allocUnsafe(64 << 20);
  for (let written = 0; written < sizeBytes; ) {
    const n = Math.min(buf.length, sizeBytes - written);
    randomFillSync(buf, 0, n);
    fs.writeSync(fd, buf, 0, n);
    written += n;
  }
  fs.closeSync(fd);
  return { file, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Streams the file through `create()` with 1 MiB positioned reads into one reused buffer. */
function streamFile(file, impl) {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    const h = impl.create();
    for (let pos = 0; ; ) {
      const n = fs.readSync(fd, buf, 0, CHUNK, pos);
      if (n === 0) break;
      h.update(n === CHUNK ? buf : buf.subarray(0, n));
      pos += n;
    }
    return hex(h.digest());
  } finally {
    fs.closeSync(fd);
  }
}

/** What `fullHashOfFile` does: async reads of 4 MiB into two buffers, hashing one while the other fills. */
async function streamFileAsync(file) {
  const size = 4 << 20;
  const fh = await open(file, 'r');
  try {
    const bufs = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
    const h = new napi.Blake3Hasher();
    let pos = 0;
    let i = 0;
    let pending = fh.read(bufs[0], 0, size, pos);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      pos += bytesRead;
      const current = bufs[i];
      i ^= 1;
      pending = fh.read(bufs[i], 0, size, pos);
      h.update(bytesRead === size ? current : current.subarray(0, bytesRead));
    }
    return hex(h.digestBuffer());
  } finally {
    await fh.close();
  }
}

/** b3sum's digest; its CPU time comes from /usr/bin/time when present (not counted by process.cpuUsage). */
function b3sum(file) {
  const timed = fs.existsSync('/usr/bin/time');
  const [cmd, argv] = timed
    ? ['/usr/bin/time', ['-f', 'cpu %U %S', 'b3sum', '--num-threads', '1', file]]
    : ['b3sum', ['--num-threads', '1', file]];
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { digest: r.stdout.slice(0, 64), cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : undefined };
}

const gbps = (bytes, ms) => bytes / 1e9 / (ms / 1000);

async function main() {
  checkVectors();
  console.log('test vectors: all implementations agree on BLAKE3("") and BLAKE3("abc")');
  const { file, cleanup } = makeFile();
  const rows = [];
  try {
    const fileSize = fs.statSync(file).size;
    const nobleReps = Math.min(reps, 1);
    // Warm the page cache so every row reads from memory, like the anchor.
    fs.readFileSync(file);

    const anchor = best(() => b3sum(file));
    const anchorGbps = anchor.result ? gbps(fileSize, anchor.wall) : undefined;
    rows.push({
      impl: 'b3sum --num-threads 1',
      mode: 'file (mmap)',
      ...anchor,
      cpu: anchor.result?.cpuMs ?? Number.NaN,
      result: anchor.result?.digest,
      bytes: fileSize,
    });

    const whole = fs.readFileSync(file);
    for (const [name, impl] of Object.entries(impls)) {
      const n = name === 'noble' ? nobleReps : reps;
      if (name === 'napi-rs reused') continue; // same as napi-rs on large inputs
      rows.push({
        impl: name,
        mode: 'one-shot, in memory',
        bytes: fileSize,
        ...best(() => hex(impl.hash(whole)), n),
      });
      rows.push({
        impl: name,
        mode: 'incremental, 1 MiB reads',
        bytes: fileSize,
        ...best(() => streamFile(file, impl), n),
      });
    }
    rows.push({
      impl: 'napi-rs',
      mode: 'incremental, async 2x4 MiB',
      bytes: fileSize,
      ...(await bestAsync(() => streamFileAsync(file))),
    });

    const digests = new Set(rows.map((r) => r.result).filter(Boolean));
    if (digests.size !== 1)
      throw new Error(`implementations disagree on the file: ${[...digests].join(', ')}`);

    // Many small buffers: per-call overhead dominates.
    const small = [];
    for (const [label, len, count] of [
      ['64 B', 64, 200_000],
      ['1 KiB', 1024, 100_000],
    ]) {
      const bufs = Array.from({ length: 256 }, () => randomFillSync(Buffer.allocUnsafe(len)));
      for (const [name, impl] of Object.entries(impls)) {
        const r = best(
          () => {
            for (let i = 0; i < count; i++) impl.hash(bufs[i & 255]);
          },
          name === 'noble' ? 1 : reps,
        );
        small.push({
          impl: name,
          workload: `${count} x ${label} one-shot`,
          ops: count,
          bytes: count * len,
          ...r,
        });
      }
    }
    // One sampled content id: size (8 B), header, four samples, footer. Fed as 7 updates, every update after
    // the first starts off a 1 KiB chunk boundary, which keeps BLAKE3 from hashing chunks in parallel (SIMD);
    // fed as one contiguous buffer (read straight into place), the whole 56 KiB hashes at full speed.
    const parts = [8, 8192, 10240, 10240, 10240, 10240, 8192].map((n) =>
      randomFillSync(Buffer.allocUnsafe(n)),
    );
    const joined = Buffer.concat(parts);
    const ids = 20_000;
    for (const [name, impl] of Object.entries(impls)) {
      const n = name === 'noble' ? 1 : reps;
      const updates = best(() => {
        for (let i = 0; i < ids; i++) {
          const h = impl.create();
          for (const p of parts) h.update(p);
          h.digest();
        }
      }, n);
      small.push({
        impl: name,
        workload: `${ids} x content id, 7 updates`,
        ops: ids,
        bytes: ids * joined.length,
        ...updates,
      });
      const contiguous = best(() => {
        for (let i = 0; i < ids; i++) impl.hash(joined);
      }, n);
      small.push({
        impl: name,
        workload: `${ids} x content id, 1 buffer`,
        ops: ids,
        bytes: ids * joined.length,
        ...contiguous,
      });
    }

    printLarge(rows, anchorGbps, fileSize, file);
    printSmall(small, anchorGbps);
    if (args.json) {
      const strip = ({ result, ...r }) => r;
      fs.writeFileSync(
        args.json,
        JSON.stringify({ fileSize, anchorGbps, large: rows.map(strip), small }, null, 2),
      );
    }
  } finally {
    cleanup();
  }
}

function printLarge(rows, anchorGbps, fileSize, file) {
  console.log(`\nlarge file: ${(fileSize / 2 ** 30).toFixed(2)} GiB (${file}), best of ${reps} (noble: 1)`);
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(
    `node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cpus, load ${load}`,
  );
  console.log(
    'GB/s = 1e9 bytes per second of wall time; cpu GB/s per second of CPU time (robust when other processes ' +
      'compete for the CPUs); ratios against b3sum on each basis',
  );
  const anchor = rows[0];
  const anchorCpu = Number.isNaN(anchor.cpu) ? undefined : gbps(anchor.bytes, anchor.cpu);
  const head = ['implementation', 'mode', 'ms', 'cpu ms', 'GB/s', 'vs b3sum', 'cpu GB/s', 'vs b3sum (cpu)'];
  const ratio = (value, base) => (base ? `${(value / base).toFixed(2)}x` : '-');
  const table = rows.map((r) => {
    const g = gbps(r.bytes, r.wall);
    const known = !Number.isNaN(r.cpu);
    const c = known ? gbps(r.bytes, r.cpu) : undefined;
    return [
      r.impl,
      r.mode,
      r.wall.toFixed(0),
      known ? r.cpu.toFixed(0) : '-',
      g.toFixed(2),
      ratio(g, anchorGbps),
      c === undefined ? '-' : c.toFixed(2),
      c === undefined ? '-' : ratio(c, anchorCpu),
    ];
  });
  printTable(head, table);
}

function printSmall(rows, anchorGbps) {
  console.log(`\nsmall buffers, best of ${reps} (noble: 1) (ratio: against b3sum's large-file rate)`);
  const head = ['implementation', 'workload', 'ms', 'ops/s', 'GB/s', 'vs b3sum'];
  const table = rows.map((r) => {
    const g = gbps(r.bytes, r.wall);
    const ops = (r.ops / (r.wall / 1000)).toFixed(0);
    return [
      r.impl,
      r.workload,
      r.wall.toFixed(0),
      ops,
      g.toFixed(3),
      anchorGbps ? `${(g / anchorGbps).toFixed(2)}x` : '-',
    ];
  });
  printTable(head, table);
}

function printTable(head, table) {
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => String(row[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
}

await main();
