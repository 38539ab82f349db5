/**
 * `runCrashPoints` over the indexer (content mode) on a 1,000-file tree (bench/indexer/makeTree.js, 50
 * directories, ~20 MB), the library and the store in one SQLite file as the CLI opens them: every crash point
 * crashed, the file reopened, the job resumed and compared with the uninterrupted run. Figure: crash points
 * checked per second. Anchor: uninterrupted runs of the same job per second, each on a fresh library — a
 * point costs one run (to the point, then from it) plus opening the library twice, so the ratio says how much
 * more than a plain run one checked point costs.
 */
import { copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexerJob } from '../../dist/jobs/indexer/indexerJob.js';
import { openLibrary } from '../../dist/jobs/library/openLibrary.js';
import { runJob } from '../../dist/index.js';
import { SqliteStore } from '../../dist/sqlite.js';
import { runCrashPoints } from '../../dist/testing/index.js';
import { makeTree } from '../indexer/makeTree.js';

const FILES = 1000;
const DIRS = 50;

export async function run(ctx) {
  const { root } = makeTree(join(tmpdir(), 'phasekit-bench-crashpoints'), FILES, DIRS, ctx.log);
  const dir = ctx.tmpdir('crash-points-');
  const file = join(dir, 'library.db');
  const empty = join(dir, 'empty.db');
  openLibrary(empty).close();
  const input = { path: root, mode: 'content', batchSize: ctx.quick ? 500 : 100 };

  const open = () => {
    const library = openLibrary(file);
    return {
      store: new SqliteStore(library.db),
      deps: { library },
      effects: () => library.db.prepare('SELECT count(*) AS n, sum(size) AS bytes FROM entries').get(),
      freeze: () => library.db.pragma('query_only = ON'),
      reopen: open,
      close: () => library.close(),
    };
  };
  const fresh = () => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    copyFileSync(empty, file);
    return open();
  };

  // Anchor: plain runs, each on a fresh library.
  const plain = [];
  for (let i = 0; i < (ctx.quick ? 2 : 5); i++) {
    const world = fresh();
    const started = performance.now();
    const result = await runJob(indexerJob, input, { store: world.store, deps: world.deps }).result;
    plain.push(performance.now() - started);
    world.close();
    if (result.status !== 'completed') throw new Error(`indexer ended ${result.status}`);
  }
  const runMs = ctx.stats(plain).median;

  const report = await runCrashPoints(indexerJob, input, {
    setup: fresh,
    // Entry ids are reserved ahead: a crash may leave a gap (by design).
    normalize: (o) => ({ ...o, state: { ...o.state, nextId: 0, endId: 0 } }),
  });
  if (report.mismatches.length > 0) throw new Error(`mismatches: ${report.mismatches[0].message}`);
  const perSecond = report.trials.length / (report.ms / 1000);
  const runsPerSecond = 1000 / runMs;
  ctx.report({
    name: `testing: runCrashPoints, indexer on ${FILES} files (${report.trials.length} points)`,
    figure: perSecond,
    unit: 'points/s',
    anchor: 'plain indexer runs/s',
    anchorFigure: runsPerSecond,
    ratio: perSecond / runsPerSecond,
    note: `${report.trials.length} crash points in ${(report.ms / 1000).toFixed(1)} s; a plain run ${runMs.toFixed(0)} ms`,
  });
}
