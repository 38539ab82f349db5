/**
 * Runs one bench module in its own process (started by bench/run.js with --expose-gc) and sends its rows
 * to the parent over IPC. Run alone to debug one module: `node --expose-gc bench/lib/child.js FILE [--quick]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { collectGarbage, measure, stats } from './harness.js';

const file = process.argv[2];
const quick = process.argv.includes('--quick');
if (!file) {
  console.error('usage: node --expose-gc bench/lib/child.js <file.bench.js> [--quick]');
  process.exit(2);
}

const send = (message) => {
  if (process.send) process.send(message);
  else if (message.type === 'row') console.log(JSON.stringify(message.row));
};

const UNIT_SCALE = { ns: 1, µs: 1e-3, us: 1e-3, ms: 1e-6, s: 1e-9 };

/** Scale from ns per op to `unit` ('µs/transition', 'ms/op', ...); 1 for units that are not times. */
function scaleOf(unit) {
  return UNIT_SCALE[unit.split('/')[0].trim()] ?? 1;
}

function finish(row) {
  const pass =
    row.target?.max !== undefined && Number.isFinite(row.figure)
      ? row.figure <= row.target.max
      : row.target?.min !== undefined && Number.isFinite(row.figure)
        ? row.figure >= row.target.min
        : undefined;
  return { ...row, ...(pass === undefined ? {} : { pass }) };
}

const dirs = [];

const ctx = {
  file,
  quick,
  measure: (variants, options = {}) => measure(variants, { ...options, quick }),
  stats,
  collectGarbage,
  log: (...args) => console.log(`  [${file}]`, ...args),
  /** A fresh temporary directory, removed when the module's run() ends. */
  tmpdir(prefix = 'phasekit-bench-') {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  },
  /** Report a row as is: `{ name, figure, unit, anchor?, anchorFigure?, ratio?, target?: { max | min }, note? }`. */
  report(row) {
    send({ type: 'row', row: finish(row) });
  },
  /**
   * Report `subject` of a `measure()` result as a row, with `anchor` (another variant of the same result) as
   * its anchor and the per-round paired ratio subject/anchor. Figures are medians; spreads are p25..p75.
   */
  reportVs(result, { name, subject, anchor, anchorLabel, unit, target, note }) {
    const scale = scaleOf(unit);
    const s = result.variants[subject].nsPerOp;
    const cpu = result.variants[subject].cpuNsPerOp;
    const a = anchor ? result.variants[anchor].nsPerOp : undefined;
    const r = anchor ? result.ratio(subject, anchor) : undefined;
    const row = {
      name,
      figure: s.median * scale,
      unit,
      spread: { p25: s.p25 * scale, p75: s.p75 * scale, min: s.min * scale, max: s.max * scale, n: s.n },
      cpu: cpu.median * scale,
      ...(a
        ? {
            anchor: anchorLabel ?? anchor,
            anchorFigure: a.median * scale,
            anchorSpread: { p25: a.p25 * scale, p75: a.p75 * scale },
            ratio: r.median,
            ratioSpread: { p25: r.p25, p75: r.p75 },
          }
        : {}),
      ...(target ? { target } : {}),
      ...(note ? { note } : {}),
    };
    ctx.report(row);
    return row;
  },
};

let failed = false;
try {
  const mod = await import(pathToFileURL(resolve(file)).href);
  const run = mod.run ?? mod.default;
  if (typeof run !== 'function') throw new Error(`${file} exports no run(ctx) function`);
  await run(ctx);
} catch (error) {
  failed = true;
  console.error(`  [${file}] failed:`, error);
  send({ type: 'error', message: String(error?.stack ?? error) });
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
// Exit once the last message is out: stores and timers a module forgot to close must not keep us alive.
const code = failed ? 1 : 0;
if (process.send) process.send({ type: 'done' }, () => process.exit(code));
else process.exit(code);
