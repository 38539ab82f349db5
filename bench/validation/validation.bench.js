/**
 * Integrity validation on the generated tree of `../duplicates/makeDupTree.js` (100,000 files, ~2.2 GiB,
 * made once and reused), warm cache, the job run in-process as `phasekit validate --mode integrity` runs it.
 * Target from issue 5: a full BLAKE3 of every file, compared with the hash the library holds, within 2x of
 * `find -type f -print0 | xargs -0 -P2 b3sum` over the same files (interleaved rounds, time ratio ≤ 2).
 *
 * The tree is indexed (shallow) into a fresh library first, and one integrity run records the full hashes;
 * the timed runs compare against them, as every later validation does. A `split:` row times `basic` mode
 * (stat only) in the same rounds, to say how much of the time is the walk over the library and the stats.
 *
 * Env: PHASEKIT_BENCH_DUP_TREE=DIR (default $TMPDIR/phasekit-bench-duplicates).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { indexerJob } from '../../dist/jobs/indexer/indexerJob.js';
import { validationJob } from '../../dist/jobs/validation/validationJob.js';
import { complete, workspace } from '../duplicates/duplicates.bench.js';
import { DEFAULT_DIR, makeDupTree } from '../duplicates/makeDupTree.js';

export async function run(ctx) {
  const tree = makeDupTree(process.env.PHASEKIT_BENCH_DUP_TREE ?? DEFAULT_DIR, ctx.log);
  const root = tree.root;
  const ws = workspace(join(ctx.tmpdir('phasekit-bench-validation-'), 'library.db'));
  let t0 = performance.now();
  await complete(indexerJob, { path: root }, ws);
  ctx.log(`indexed (shallow) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  t0 = performance.now();
  const first = await complete(validationJob, { location: root, mode: 'integrity' }, ws);
  ctx.log(
    `first integrity run: ${((performance.now() - t0) / 1000).toFixed(2)} s, ${first.recorded} hashes recorded, ${first.issueCount} issues`,
  );
  const validate = async (mode) => {
    const out = await complete(validationJob, { location: root, mode }, ws);
    if (out.issueCount !== 0)
      throw new Error(`validation found ${out.issueCount} issues on an untouched tree`);
  };
  const b3sum = () => {
    const r = spawnSync('sh', ['-c', 'find . -type f -print0 | xargs -0 -P2 b3sum > /dev/null'], {
      cwd: root,
    });
    if (r.status !== 0) throw new Error(`b3sum failed (is it installed?): ${r.stderr}`);
  };
  const m = await ctx.measure(
    {
      integrity: { fn: () => validate('integrity') },
      b3sum: { fn: b3sum },
      basic: { fn: () => validate('basic') },
    },
    { rounds: ctx.quick ? 3 : 7, warmupRounds: 1, minSampleMs: 1 },
  );
  ctx.reportVs(m, {
    name: 'validation: integrity, 100k files vs b3sum -P2',
    subject: 'integrity',
    anchor: 'b3sum',
    anchorLabel: 'find | xargs -P2 b3sum',
    unit: 'ms/op',
    target: { max: (2 * m.variants.b3sum.nsPerOp.median) / 1e6 },
    note: 'target: within 2x of b3sum over the same files (ratio <= 2)',
  });
  ctx.reportVs(m, {
    name: 'split: validation basic (stat only) vs b3sum -P2',
    subject: 'basic',
    anchor: 'b3sum',
    anchorLabel: 'find | xargs -P2 b3sum',
    unit: 'ms/op',
  });
  ws.library.close();
}
