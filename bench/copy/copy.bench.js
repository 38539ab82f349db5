/**
 * The copy and delete jobs against the tools people use (issue 4), on a tree of 20,000 files / ~1.1 GiB and a
 * single 1 GiB file (`makeCopyTree.js`, made once under the OS temp dir and reused), warm cache:
 *
 * - copy the tree (`runJob(copyJob)` with a file library + SqliteStore, as `phasekit copy` runs it) against
 *   `cp -r`: target ≤ 1.2x;
 * - copy the 1 GiB file against `cp`: ≤ 1.1x;
 * - copy the tree with `verify: true` against `cp -r` followed by `b3sum` of every file of both trees: ≤ 1.2x;
 * - permanent delete of a copy against `rm -rf` of another copy: ≤ 1.5x;
 * - trash of a copy against `mv` of another copy into the same trash directory: ≤ 1.5x.
 *
 * Every copy goes to a fresh directory; the copies made by the copy rows are the material of the delete rows,
 * which run last (nothing is created after a mass delete). Variants alternate A B, B A… each round; figures
 * are medians with p25..p75, ratios are paired per round (subject/anchor time). Diagnostic rows: `cp` plus
 * `sync` of the file (our copy fsyncs; cp does not).
 *
 * Env: PHASEKIT_BENCH_ROUNDS (default 3; 2 with --quick), PHASEKIT_BENCH_COPY_DIR (default
 * $TMPDIR/phasekit-bench-copy), PHASEKIT_BENCH_COPY_ROWS (default `tree,one,verify,delete,trash`; `delete`
 * deletes the copies the tree and verify rows made, so it needs one of them).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyJob } from '../../dist/jobs/copy/copyJob.js';
import { deleteJob } from '../../dist/jobs/delete/deleteJob.js';
import { openLibrary } from '../../dist/jobs/library/openLibrary.js';
import { runJob } from '../../dist/machines/runJob.js';
import { SqliteStore } from '../../dist/persistence/stores/SqliteStore.js';
import { DEFAULT_DIR, makeCopyTree } from './makeCopyTree.js';

const sh = (cmd) =>
  execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
const q = (p) => `'${p.replaceAll("'", "'\\''")}'`;

export async function run(ctx) {
  const rounds = Number(process.env.PHASEKIT_BENCH_ROUNDS ?? (ctx.quick ? 2 : 3));
  const rows = (process.env.PHASEKIT_BENCH_COPY_ROWS ?? 'tree,one,verify,delete,trash').split(',');
  const only = (key) => rows.includes(key);
  const material = makeCopyTree(process.env.PHASEKIT_BENCH_COPY_DIR ?? DEFAULT_DIR, ctx.log);
  const work = ctx.tmpdir('phasekit-bench-copy-');
  const library = openLibrary(join(work, 'library.db'));
  const store = new SqliteStore(library.db);
  const trashHome = join(work, 'xdg');
  let n = 0;
  const fresh = () => join(work, `c${n++}`);
  const copies = { ours: [], anchor: [] };

  async function ours(input) {
    const result = await runJob(copyJob, input, { store, deps: { library } }).result;
    if (result.status !== 'completed' || result.errorCount)
      throw new Error(`copy ${result.status}: ${JSON.stringify(result.failure ?? result.errors[0])}`);
  }
  async function oursDelete(input) {
    const result = await runJob(deleteJob, input, {
      store,
      deps: { library, trash: { dataHome: trashHome, uid: process.getuid() } },
    }).result;
    if (result.status !== 'completed' || result.errorCount)
      throw new Error(`delete ${result.status}: ${JSON.stringify(result.failure ?? result.errors[0])}`);
  }
  const b3sumTree = (dir) =>
    sh(`find ${q(dir)} -type f -print0 | xargs -0 -r b3sum --num-threads 1 > /dev/null`);

  // Warm the page cache with the sources (and the code paths) once.
  sh(
    `cat ${q(material.one)} > /dev/null; find ${q(material.tree)} -type f -print0 | xargs -0 cat > /dev/null`,
  );
  await ours({ sources: [join(material.tree, 'd0')], destination: fresh() });

  /** Interleaved rounds; returns ms per variant. Each variant gets its round index. */
  async function interleave(variants) {
    const names = Object.keys(variants);
    const ms = Object.fromEntries(names.map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(r + k) % names.length];
        const t0 = performance.now();
        await variants[name]();
        ms[name].push(performance.now() - t0);
      }
    }
    return ms;
  }

  function row(name, unit, subjectMs, anchorMs, anchorLabel, target, scale = (x) => x / 1000, note) {
    const s = ctx.stats(subjectMs.map(scale));
    const a = ctx.stats(anchorMs.map(scale));
    const ratio = ctx.stats(subjectMs.map((x, i) => x / anchorMs[i]));
    ctx.report({
      name,
      figure: s.median,
      unit,
      spread: { p25: s.p25, p75: s.p75, min: s.min, max: s.max, n: s.n },
      anchor: anchorLabel,
      anchorFigure: a.median,
      anchorSpread: { p25: a.p25, p75: a.p75 },
      ratio: ratio.median,
      ratioSpread: { p25: ratio.p25, p75: ratio.p75 },
      ...(note ? { note } : {}),
    });
    if (target) {
      // The target is on the time ratio, paired per round (subject/anchor).
      ctx.report({
        name: `${name.replace(/, (s|ms)$/, '')} / ${anchorLabel} (time ratio)`,
        figure: ratio.median,
        unit: 'x',
        spread: { p25: ratio.p25, p75: ratio.p75, min: ratio.min, max: ratio.max, n: ratio.n },
        target,
      });
    }
    ctx.log(
      `${name}: ours ${subjectMs.map((x) => x.toFixed(0)).join(' ')} ms; anchor ${anchorMs.map((x) => x.toFixed(0)).join(' ')} ms`,
    );
    return ratio;
  }

  // Ratios are time ratios subject/anchor; the figure is the subject's seconds.
  if (only('tree')) {
    const tree = await interleave({
      anchor: async () => {
        const d = fresh();
        sh(`cp -r ${q(material.tree)} ${q(d)}`);
        copies.anchor.push(d);
      },
      anchorSync: async () => {
        const d = fresh();
        sh(`cp -r ${q(material.tree)} ${q(d)} && sync -f ${q(d)}`);
        copies.anchor.push(d);
      },
      ours: async () => {
        const d = fresh();
        await ours({ sources: [material.tree], destination: d });
        copies.ours.push(d);
      },
      oursNotDurable: async () => {
        const d = fresh();
        await ours({ sources: [material.tree], destination: d, durable: false });
        copies.ours.push(d);
      },
    });
    const treeName = `(${material.files} files, ${(material.bytes / 2 ** 30).toFixed(2)} GiB)`;
    row(`copy: tree ${treeName}, s`, 's', tree.ours, tree.anchor, 'cp -r', { max: 1.2 });
    row(
      'split: copy tree vs cp -r && sync -f (both durable), s',
      's',
      tree.ours,
      tree.anchorSync,
      'cp -r && sync -f',
    );
    row('split: copy tree, durable: false, vs cp -r, s', 's', tree.oursNotDurable, tree.anchor, 'cp -r');
  }
  if (only('one')) {
    const one = await interleave({
      anchor: async () => sh(`cp ${q(material.one)} ${q(fresh())}`),
      anchorSync: async () => {
        const d = fresh();
        sh(`cp ${q(material.one)} ${q(d)} && sync ${q(d)}`);
      },
      ours: async () => ours({ sources: [material.one], destination: fresh() }),
    });
    row('copy: one 1 GiB file, s', 's', one.ours, one.anchor, 'cp', { max: 1.1 });
    row('split: copy one 1 GiB file vs cp + sync FILE, s', 's', one.ours, one.anchorSync, 'cp && sync FILE');
  }
  if (only('verify')) {
    const verify = await interleave({
      anchor: async () => {
        const d = fresh();
        sh(`cp -r ${q(material.tree)} ${q(d)}`);
        b3sumTree(material.tree);
        b3sumTree(d);
        copies.anchor.push(d);
      },
      ours: async () => {
        const d = fresh();
        await ours({ sources: [material.tree], destination: d, verify: true });
        copies.ours.push(d);
      },
    });
    row('copy: tree with --verify, s', 's', verify.ours, verify.anchor, 'cp -r + b3sum both', { max: 1.2 });
  }
  if (only('delete')) {
    // Deletes last: the copies above are their material (identical trees).
    const pool = [...copies.anchor, ...copies.ours];
    const half = Math.floor(pool.length / 2);
    const forRm = pool.slice(0, half);
    const forOurs = pool.slice(half);
    const savedRounds = rounds;
    const del = await (async () => {
      const ms = { anchor: [], ours: [] };
      for (let r = 0; r < Math.min(forRm.length, forOurs.length); r++) {
        const order = r % 2 === 0 ? ['anchor', 'ours'] : ['ours', 'anchor'];
        for (const name of order) {
          const t0 = performance.now();
          if (name === 'anchor') sh(`rm -rf ${q(forRm[r])}`);
          else await oursDelete({ paths: [forOurs[r]], mode: 'permanent', confirm: true });
          ms[name].push(performance.now() - t0);
        }
      }
      return ms;
    })();
    row('delete: permanent, tree, s', 's', del.ours, del.anchor, 'rm -rf', { max: 1.5 });
    void savedRounds;
  }
  if (only('trash')) {
    // Trash: a rename into the trash; both sides move a small fresh tree made before any of these deletes ran.
    const trashFiles = join(trashHome, 'Trash/files');
    mkdirSync(trashFiles, { recursive: true });
    const trees = [];
    for (let i = 0; i < 2 * Math.max(rounds, 5); i++) {
      const d = join(work, `t${i}`);
      mkdirSync(join(d, 'sub'), { recursive: true });
      trees.push(d);
    }
    const trash = { anchor: [], ours: [] };
    for (let r = 0; r < trees.length / 2; r++) {
      const order = r % 2 === 0 ? ['anchor', 'ours'] : ['ours', 'anchor'];
      for (const name of order) {
        const t0 = performance.now();
        if (name === 'anchor') execFileSync('mv', [trees[2 * r], join(trashFiles, `mv-${r}`)]);
        else await oursDelete({ paths: [trees[2 * r + 1]] });
        trash[name].push(performance.now() - t0);
      }
    }
    row(
      'delete: trash (one tree), ms',
      'ms',
      trash.ours,
      trash.anchor,
      'mv into Trash/files',
      { max: 1.5 },
      (x) => x,
      'in-process job (open store, validate, info file + fsync, rename, 2 checkpoints) vs a spawned mv',
    );
  }
  library.close();
  rmSync(work, { recursive: true, force: true });
}
