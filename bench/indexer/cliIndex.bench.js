/**
 * `phasekit index DIR --mode shallow` as a whole process into a new library, on the indexer bench tree
 * (100,000 files / 5,000 dirs, `makeTree.js`), against `find DIR -printf '%p %s %T@ %i\n' > list` in the
 * same rounds. Targets (issue 12): ≥ 100,000 files/s and ≤ 3× the `find` time. Also the job's time alone
 * (`--json` output's phases are not timed, so the process time minus a `phasekit --version` start-up is
 * noted as a split).
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DIR, DEFAULT_DIRS, DEFAULT_FILES, makeTree } from './makeTree.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const main = join(root, 'dist/cli/main.js');

export async function run(ctx) {
  const tree = makeTree(process.env.PHASEKIT_BENCH_TREE ?? DEFAULT_DIR, DEFAULT_FILES, DEFAULT_DIRS, ctx.log);
  const work = ctx.tmpdir('phasekit-bench-cli-index-');
  let serial = 0;
  const m = await ctx.measure(
    {
      find: {
        fn: () => {
          execFileSync('sh', [
            '-c',
            `find "$1" -printf '%p %s %T@ %i\\n' > "$2"`,
            'sh',
            tree.root,
            join(work, `list-${++serial}`),
          ]);
        },
      },
      index: {
        fn: () => {
          const out = execFileSync(
            process.execPath,
            [
              main,
              'index',
              tree.root,
              '--mode',
              'shallow',
              '--library',
              join(work, `lib-${++serial}.db`),
              '--json',
            ],
            { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 },
          );
          const last = JSON.parse(out.trim().split('\n').at(-1));
          if (last.output?.files !== DEFAULT_FILES)
            throw new Error(`indexed ${JSON.stringify(last).slice(0, 300)}`);
        },
      },
      version: {
        fn: () => {
          execFileSync(process.execPath, [main, '--version'], { cwd: root, stdio: 'ignore' });
        },
      },
    },
    { rounds: ctx.quick ? 3 : 7, warmupRounds: 1, minSampleMs: 0 },
  );
  const ms = (name) => m.variants[name].samplesNs.map((ns) => ns / 1e6);
  const indexMs = ms('index');
  const findMs = ms('find');
  const rates = ctx.stats(indexMs.map((x) => (DEFAULT_FILES * 1000) / x));
  const ratio = ctx.stats(indexMs.map((x, i) => x / findMs[i]));
  ctx.report({
    name: 'indexer: phasekit index --mode shallow, whole process, new library',
    figure: rates.median,
    unit: 'files/s',
    spread: { p25: rates.p25, p75: rates.p75, min: rates.min, max: rates.max, n: rates.n },
    anchor: "find -printf '%p %s %T@ %i' > list",
    anchorFigure: ctx.stats(findMs.map((x) => (DEFAULT_FILES * 1000) / x)).median,
    ratio: ratio.median,
    ratioSpread: { p25: ratio.p25, p75: ratio.p75 },
    target: { min: 100_000 },
    note: `median ${ctx.stats(indexMs).median.toFixed(0)} ms per process vs find ${ctx.stats(findMs).median.toFixed(0)} ms; phasekit --version ${ctx.stats(ms('version')).median.toFixed(0)} ms`,
  });
  ctx.report({
    name: 'indexer: phasekit index --mode shallow, whole process / find -printf (time ratio)',
    figure: ratio.median,
    unit: 'x',
    spread: { p25: ratio.p25, p75: ratio.p75, min: ratio.min, max: ratio.max, n: ratio.n },
    target: { max: 3 },
  });
}
