/**
 * Duplicate detection again over the tree of `makeDupTree.js` indexed in the library (`location`), unchanged:
 * the content ids of the index and the full hashes a first run stored are reused, so only the files whose
 * content id another file shares are stat-ed and nothing is read. Target from issue 5: at least 5x faster
 * than the walking run over the same tree (time ratio ≤ 0.2, interleaved rounds, warm cache).
 *
 * Env: PHASEKIT_BENCH_DUP_TREE=DIR (default $TMPDIR/phasekit-bench-duplicates).
 */
import { join } from 'node:path';
import { duplicatesJob } from '../../dist/jobs/duplicates/duplicatesJob.js';
import { indexerJob } from '../../dist/jobs/indexer/indexerJob.js';
import { canonical, complete, workspace } from './duplicates.bench.js';
import { DEFAULT_DIR, makeDupTree } from './makeDupTree.js';

export async function run(ctx) {
  const tree = makeDupTree(process.env.PHASEKIT_BENCH_DUP_TREE ?? DEFAULT_DIR, ctx.log);
  const root = tree.root;
  const dir = ctx.tmpdir('phasekit-bench-duplicates-library-');
  const walking = workspace(join(dir, 'walk.db'));
  const indexed = workspace(join(dir, 'indexed.db'));
  const walk = () => complete(duplicatesJob, { paths: [root] }, walking);
  const ours = canonical((await walk()).groups.map((g) => g.files.map((f) => f.path)));
  // Over the indexed location: index (content ids), a first run stores the full hashes, then time it again.
  let t0 = performance.now();
  await complete(indexerJob, { path: root, mode: 'content' }, indexed);
  ctx.log(`indexed (content mode) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  t0 = performance.now();
  const first = await complete(duplicatesJob, { location: root }, indexed);
  ctx.log(
    `first run over the location in ${((performance.now() - t0) / 1000).toFixed(2)} s (${first.counts.fullHashed} full hashes stored)`,
  );
  if (canonical(first.groups.map((g) => g.files.map((f) => f.path))).join('\n') !== ours.join('\n')) {
    throw new Error('The run over the indexed location found other groups than the walking run.');
  }
  const again = await ctx.measure(
    {
      library: { fn: () => complete(duplicatesJob, { location: root }, indexed) },
      walk: { fn: walk },
    },
    { rounds: ctx.quick ? 3 : 7, warmupRounds: 1, minSampleMs: 1 },
  );
  ctx.reportVs(again, {
    name: 'duplicates: again over the indexed, unchanged tree vs the walking run',
    subject: 'library',
    anchor: 'walk',
    anchorLabel: 'phasekit walking',
    unit: 'ms/op',
    target: { max: again.variants.walk.nsPerOp.median / 1e6 / 5 },
    note: 'target: at least 5x faster than the walking run (ratio <= 0.2)',
  });
  walking.library.close();
  indexed.library.close();
}
