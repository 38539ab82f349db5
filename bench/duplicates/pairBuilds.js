#!/usr/bin/env node
/**
 * Two (or more) builds of phasekit against `jdupes -r` in the same rounds, in one process, as
 * `duplicates.bench.js` runs the job (warm, `openLibrary` + `SqliteStore`, content mode over the tree of
 * `makeDupTree.js`): a before/after ratio measured in one run. Each round runs jdupes and every build once,
 * the order rotating; each run's wall time and this process's CPU during it are kept, and the medians and
 * the wall ratios to jdupes of the same round are printed with the load average.
 *
 *   node --expose-gc bench/duplicates/pairBuilds.js ROUNDS DIR...
 *
 * Each DIR is a checkout whose `dist/` is built (e.g. `git worktree add /tmp/before <commit>`, then
 * `npm run build` there, or a copy of `git archive <commit>` with `node_modules` linked and
 * `tsc -p tsconfig.build.json`). Every run must find the tree's 8,182 groups, or it stops.
 *
 * Env: PHASEKIT_BENCH_DUP_TREE=DIR (default $TMPDIR/phasekit-bench-duplicates).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_DIR, makeDupTree } from './makeDupTree.js';

const rounds = Number(process.argv[2]);
const builds = process.argv.slice(3).map((d) => resolve(d));
if (!(rounds > 0) || builds.length === 0) {
  console.error('usage: node --expose-gc bench/duplicates/pairBuilds.js ROUNDS DIR...');
  process.exit(2);
}
const tree = makeDupTree(process.env.PHASEKIT_BENCH_DUP_TREE ?? DEFAULT_DIR).root;
const scratch = mkdtempSync(join(tmpdir(), 'phasekit-pair-'));

/** A run of each build, by its directory; and jdupes. */
const runners = {};
for (const [i, root] of builds.entries()) {
  const load = (file) => import(pathToFileURL(join(root, 'dist', file)).href);
  const { duplicatesJob } = await load('jobs/duplicates/duplicatesJob.js');
  const { openLibrary } = await load('jobs/library/openLibrary.js');
  const { runJob } = await load('index.js');
  const { SqliteStore } = await load('sqlite.js');
  const library = openLibrary(join(scratch, `${i}.db`));
  const store = new SqliteStore(library.db);
  runners[root] = async () => {
    const r = await runJob(duplicatesJob, { paths: [tree] }, { store, deps: { library } }).result;
    if (r.status !== 'completed' || r.output.summary.groups !== 8182) {
      throw new Error(`${root}: ${r.status}, ${r.output?.summary.groups} groups (8,182 expected)`);
    }
  };
}
runners.jdupes = async () => {
  const r = spawnSync('jdupes', ['-r', '-q', tree], { maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`jdupes -r failed (${r.error?.message ?? r.status})`);
};

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const loads = [loadAverage()];
const results = Object.fromEntries(Object.keys(runners).map((k) => [k, { wall: [], cpu: [] }]));
const name = (k) => (k === 'jdupes' ? k : k.split('/').at(-1));

async function once(k) {
  globalThis.gc?.();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await runners[k]();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

for (const k of Object.keys(runners)) await once(k); // warm-up round
for (let i = 0; i < rounds; i++) {
  const order = Object.keys(runners);
  const rotated = order.slice(i % order.length).concat(order.slice(0, i % order.length));
  const row = [];
  for (const k of rotated) {
    const r = await once(k);
    results[k].wall.push(r.wall);
    results[k].cpu.push(r.cpu);
    row.push(`${name(k)} ${r.wall.toFixed(0)} ms${k === 'jdupes' ? '' : ` (cpu ${r.cpu.toFixed(0)})`}`);
  }
  loads.push(loadAverage());
  console.log(`round ${i + 1}: ${row.join(' | ')}`);
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const k of builds) {
  const ratios = results[k].wall.map((w, i) => w / results.jdupes.wall[i]);
  console.log(
    `${k}: wall ${median(results[k].wall).toFixed(0)} ms, cpu ${median(results[k].cpu).toFixed(0)} ms (medians); ` +
      `wall / jdupes -r of the same round: ${median(ratios).toFixed(2)}x ` +
      `(${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
  );
}
for (const k of builds.slice(1)) {
  // Each build against the first in the same round: the before/after ratio, paired.
  const [wall, cpu] = ['wall', 'cpu'].map((m) => results[k][m].map((x, i) => x / results[builds[0]][m][i]));
  const range = (a) => `${median(a).toFixed(3)}x (${Math.min(...a).toFixed(2)}–${Math.max(...a).toFixed(2)})`;
  console.log(`${name(k)} / ${name(builds[0])}, paired per round: wall ${range(wall)}, cpu ${range(cpu)}`);
}
console.log(`jdupes -r: wall ${median(results.jdupes.wall).toFixed(0)} ms (median)`);
console.log(`load average (1, 5, 15 min) before and after each round: ${loads.join(' / ')}`);
rmSync(scratch, { recursive: true, force: true });
process.exit(0);
