#!/usr/bin/env node
/**
 * Runs the benchmarks: every `bench/**\/*.bench.js` (or those whose path relative to bench/ contains one of
 * the filters), each in its own node process, prints one table and writes bench/results/<timestamp>.json.
 *
 *   node bench/run.js [FILTER...] [--quick] [--strict] [--list]
 *
 *   FILTER    substring of the path under bench/, e.g. `core`, `core/checkpoint`, `indexer`
 *   --quick   fewer rounds (a smoke run; figures are noisier)
 *   --strict  exit 1 when a target is missed (a crashed module always exits 1)
 *   --list    print the modules that would run, and stop
 *
 * The module convention is in bench/README.md. `npm run bench` builds first; run `npm run build` yourself
 * before calling this directly: modules import from ../dist.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const rootDir = dirname(benchDir);
const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const filters = args.filter((a) => !a.startsWith('--'));
const quick = flags.has('--quick');

/** Every *.bench.js under bench/, skipping results/, lib/ and node_modules, in path order. */
function discover(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!['results', 'lib', 'node_modules'].includes(entry.name) && !entry.name.startsWith('.')) {
        found.push(...discover(full));
      }
    } else if (entry.name.endsWith('.bench.js')) {
      found.push(full);
    }
  }
  return found.sort();
}

const posix = (p) => p.split(sep).join('/');
const modules = discover(benchDir)
  .map((full) => ({ full, rel: posix(relative(benchDir, full)) }))
  .filter(({ rel }) => filters.length === 0 || filters.some((f) => rel.includes(f)));

if (flags.has('--list') || modules.length === 0) {
  if (modules.length === 0) console.error(`no bench module matches ${filters.join(', ') || '(none found)'}`);
  for (const m of modules) console.log(m.rel);
  process.exit(modules.length === 0 ? 1 : 0);
}

/** Run one module in a child process; resolves to its rows and error, if any. */
function runModule({ full, rel }) {
  return new Promise((resolve) => {
    const rows = [];
    const errors = [];
    const started = performance.now();
    const child = fork(join(benchDir, 'lib', 'child.js'), [full, ...(quick ? ['--quick'] : [])], {
      cwd: rootDir,
      execArgv: ['--expose-gc'],
      stdio: 'inherit',
    });
    child.on('message', (m) => {
      if (m.type === 'row') {
        rows.push({ file: rel, ...m.row });
        console.log(
          `  ${m.row.name}: ${fmt(m.row.figure)} ${m.row.unit}${m.row.ratio ? ` (${fmt(m.row.ratio)}x ${m.row.anchor})` : ''}`,
        );
      } else if (m.type === 'error') {
        errors.push(m.message);
      }
    });
    child.on('exit', (code, signal) => {
      if (code !== 0 && errors.length === 0) errors.push(`exited with ${signal ?? code}`);
      resolve({ rows, errors, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** Three significant digits, thousands grouped; '-' for nothing. */
function fmt(n) {
  if (n === undefined || n === null || Number.isNaN(n)) return '-';
  const a = Math.abs(n);
  if (a >= 1000) return Math.round(n).toLocaleString('en-US');
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  if (a === 0) return '0';
  return n.toPrecision(3);
}

/** Half the interquartile range as a percentage of the median. */
function pm(median, spread) {
  if (!spread || !median) return '';
  return `±${fmt((Math.abs(spread.p75 - spread.p25) / 2 / Math.abs(median)) * 100)}%`;
}

function targetText(t) {
  if (!t) return '-';
  if (t.max !== undefined) return `≤ ${fmt(t.max)}`;
  if (t.min !== undefined) return `≥ ${fmt(t.min)}`;
  return '-';
}

function printTable(rows) {
  const head = [
    'benchmark',
    'figure',
    'unit',
    'spread',
    'cpu',
    'anchor',
    'anchor fig.',
    'ratio',
    'target',
    'result',
  ];
  const body = rows.map((r) => [
    r.name,
    fmt(r.figure),
    r.unit,
    pm(r.figure, r.spread),
    fmt(r.cpu),
    r.anchor ?? '-',
    fmt(r.anchorFigure),
    r.ratio === undefined ? '-' : `${fmt(r.ratio)}x ${pm(r.ratio, r.ratioSpread)}`.trim(),
    targetText(r.target),
    r.pass === undefined ? '-' : r.pass ? 'pass' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => String(row[i]).length)));
  const left = new Set([0, 2, 5, 8]);
  const line = (cells) =>
    cells
      .map((c, i) => (left.has(i) ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])))
      .join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(line(row));
  const notes = rows.filter((r) => r.note);
  if (notes.length) {
    console.log('\nnotes:');
    for (const r of notes) console.log(`  ${r.name}: ${r.note}`);
  }
}

function gitDescribe() {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: rootDir, encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--', 'src'], {
        cwd: rootDir,
        encoding: 'utf8',
      }).trim() !== '';
    return { commit, srcDirty: dirty };
  } catch {
    return undefined;
  }
}

const startedAt = new Date();
console.log(
  `phasekit bench: ${modules.length} module(s)${quick ? ', quick' : ''}; node ${process.version}, ` +
    `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`,
);
const allRows = [];
const failures = [];
const timings = {};
const loads = {};
for (const m of modules) {
  console.log(`\n# ${m.rel}`);
  const loadBefore = loadavg()[0];
  const { rows, errors, seconds } = await runModule(m);
  allRows.push(...rows);
  timings[m.rel] = seconds;
  loads[m.rel] = { before: loadBefore, after: loadavg()[0] };
  for (const e of errors) failures.push({ file: m.rel, error: e });
  console.log(
    `  (${seconds.toFixed(1)} s, load average ${loadBefore.toFixed(1)} -> ${loadavg()[0].toFixed(1)})`,
  );
}

console.log('');
printTable(allRows);
console.log(
  '\nfigure: median wall time per op over interleaved rounds; spread: half the p25..p75 range; cpu: median\n' +
    'process CPU per op (all threads); ratio: figure / anchor, paired round by round (median, spread).',
);
const busiest = Math.max(...Object.values(loads).flatMap((l) => [l.before, l.after]));
if (busiest > cpus().length) {
  console.log(
    `\nWARNING: load average reached ${busiest.toFixed(1)} on ${cpus().length} CPUs: other processes shared the ` +
      'machine, so wall figures are inflated. Trust the ratios (paired per round) and the cpu column more.',
  );
}
if (failures.length) {
  console.log('\nfailed modules:');
  for (const f of failures) console.log(`  ${f.file}: ${f.error.split('\n')[0]}`);
}

const resultsDir = join(benchDir, 'results');
mkdirSync(resultsDir, { recursive: true });
const stamp = startedAt.toISOString().replace(/:/g, '-').replace(/\..*/, '');
const out = join(resultsDir, `${stamp}.json`);
writeFileSync(
  out,
  `${JSON.stringify(
    {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      command: `node bench/run.js ${args.join(' ')}`.trim(),
      filters,
      quick,
      machine: {
        node: process.version,
        platform: process.platform,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        totalMemBytes: totalmem(),
      },
      git: gitDescribe(),
      secondsPerModule: timings,
      loadAverage: loads,
      rows: allRows,
      failures,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${posix(relative(rootDir, out))}`);

const missed = allRows.filter((r) => r.pass === false);
process.exitCode = failures.length > 0 || (flags.has('--strict') && missed.length > 0) ? 1 : 0;
