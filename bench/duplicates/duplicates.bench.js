/**
 * Duplicate detection on the generated tree of `makeDupTree.js` (100,000 files, ~2.2 GiB, 10% copies; made
 * once under the OS temp dir and reused), warm cache, the job run in-process as `phasekit duplicates` runs it
 * (`openLibrary` + `SqliteStore` on one connection, `runJob(duplicatesJob, ...)`). Targets from issue 5:
 *
 * - `content` mode walking the tree, against `jdupes -r`, `rdfind -dryrun true` and `fdupes -r` in the same
 *   rounds (interleaved): faster than jdupes (time ratio < 1), with identical groups (checked before timing:
 *   the module throws on any difference);
 * (The run over the indexed location is `library.bench.js`.)
 *
 * Env: PHASEKIT_BENCH_DUP_TREE=DIR (default $TMPDIR/phasekit-bench-duplicates).
 */
import { spawnSync } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { duplicatesJob } from '../../dist/jobs/duplicates/duplicatesJob.js';
import { openLibrary } from '../../dist/jobs/library/openLibrary.js';
import { runJob } from '../../dist/index.js';
import { SqliteStore } from '../../dist/sqlite.js';
import { DEFAULT_DIR, makeDupTree } from './makeDupTree.js';

/** A library file and a job store on one connection, as the CLI opens them. */
export function workspace(file) {
  const library = openLibrary(file);
  return { library, store: new SqliteStore(library.db) };
}

/** Run a job to its end; throw unless it completed. */
export async function complete(job, input, ws) {
  const result = await runJob(job, input, { store: ws.store, deps: { library: ws.library } }).result;
  if (result.status !== 'completed')
    throw new Error(`${job.name} ${result.status}: ${result.failure?.message}`);
  return result.output;
}

/** Whether a command is installed (rdfind and fdupes are optional anchors; jdupes is required). */
function installed(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** Run a tool, throw on failure. */
function tool(command, args) {
  const r = spawnSync(command, args, { maxBuffer: 1 << 28, encoding: 'utf8' });
  if (r.error) throw new Error(`${command} is needed (apt-get install ${command}): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${command} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Groups as sorted lists of inodes, sorted. */
export function canonical(groups) {
  const inode = (p) => {
    const st = lstatSync(p);
    return `${st.dev}:${st.ino}`;
  };
  return groups
    .map((g) => [...new Set(g.map(inode))].sort())
    .filter((g) => g.length >= 2)
    .map((g) => g.join(' '))
    .sort();
}

export async function run(ctx) {
  const tree = makeDupTree(process.env.PHASEKIT_BENCH_DUP_TREE ?? DEFAULT_DIR, ctx.log);
  const root = tree.root;
  const dir = ctx.tmpdir('phasekit-bench-duplicates-');
  const walking = workspace(join(dir, 'walk.db'));
  const rdfindOut = join(dir, 'rdfind.txt');
  const variants = {
    phasekit: () => complete(duplicatesJob, { paths: [root] }, walking),
    jdupes: () => tool('jdupes', ['-r', '-q', root]),
    rdfind: () => tool('rdfind', ['-dryrun', 'true', '-outputname', rdfindOut, root]),
    fdupes: () => tool('fdupes', ['-r', '-q', root]),
  };
  for (const optional of ['rdfind', 'fdupes']) {
    if (!installed(optional)) {
      ctx.log(`${optional} is not installed: its row is left out`);
      delete variants[optional];
    }
  }

  // Same answer first: the groups of phasekit and of jdupes, compared by inode.
  const output = await variants.phasekit();
  const ours = canonical(output.groups.map((g) => g.files.map((f) => f.path)));
  const theirs = canonical(
    variants
      .jdupes()
      .split('\n\n')
      .map((b) => b.split('\n').filter(Boolean))
      .filter((g) => g.length > 0),
  );
  if (ours.length !== theirs.length || ours.some((g, i) => g !== theirs[i])) {
    throw new Error(`phasekit found ${ours.length} groups, jdupes ${theirs.length}: the groups differ.`);
  }
  ctx.log(
    `${ours.length} groups, identical to jdupes -r; ${output.summary.duplicateFiles} duplicate files, ` +
      `${(output.summary.wastedBytes / 2 ** 20).toFixed(0)} MiB wasted; read ${(output.counts.bytesRead / 2 ** 20).toFixed(0)} MiB ` +
      `(${output.counts.partialHashed} partial, ${output.counts.fullHashed} full hashes)`,
  );

  const m = await ctx.measure(Object.fromEntries(Object.entries(variants).map(([k, fn]) => [k, { fn }])), {
    rounds: ctx.quick ? 3 : 7,
    warmupRounds: 1,
    minSampleMs: 1,
  });
  for (const anchor of ['jdupes', 'rdfind', 'fdupes'].filter((a) => a in variants)) {
    ctx.reportVs(m, {
      name: `duplicates: content mode, 100k files vs ${anchor}`,
      subject: 'phasekit',
      anchor,
      anchorLabel: anchor === 'rdfind' ? 'rdfind -dryrun true' : `${anchor} -r`,
      unit: 'ms/op',
      ...(anchor === 'jdupes' ? { target: { max: m.variants.jdupes.nsPerOp.median / 1e6 } } : {}),
      note:
        anchor === 'jdupes'
          ? `identical groups (${ours.length}); target: faster than jdupes in the same rounds`
          : undefined,
    });
  }

  walking.library.close();
}
