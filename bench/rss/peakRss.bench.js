/**
 * Peak RSS of each file job on the bench trees (issue 12's rule: under 500 MB), measured from outside the
 * job: the whole `phasekit` CLI process run under GNU time (`/usr/bin/time -f %M`, the kernel's high-water
 * mark of resident memory of that process and its threads, read by `wait4`), not a figure the job reports.
 *
 * - `phasekit index TREE --mode shallow` into a new library (the indexer tree: 100,000 files, 5,000 dirs);
 * - the same again into that library (a re-index, nothing changed);
 * - `phasekit index TREE --mode content` into a new library;
 * - `phasekit duplicates TREE --mode content --walk` (the duplicates tree: 100,000 files, 2.2 GiB).
 *
 * Each is run `RUNS` times and its largest peak is the row's figure. Each run must complete with the counts
 * the tree was made with (a run that did less would hold less). GNU time is needed (Debian: `apt install
 * time`); without it the module fails with that hint rather than report a figure measured some other way.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DIR as DUP_DIR, makeDupTree } from '../duplicates/makeDupTree.js';
import { DEFAULT_DIR, DEFAULT_DIRS, DEFAULT_FILES, makeTree } from '../indexer/makeTree.js';

const root = join(import.meta.dirname, '../..');
const main = join(root, 'dist/cli/main.js');
const TIME = '/usr/bin/time';
/** The rule of issue 12, in MB (10^6 bytes); GNU time's `%M` is in KiB, turned into bytes before the MB. */
const LIMIT_MB = 500;

/** Run the CLI under GNU time; returns the last JSON line of its stdout and the peak RSS in bytes. */
function measured(args, what) {
  const r = spawnSync(TIME, ['-f', 'phasekit-peak-rss-kb %M', process.execPath, main, ...args, '--json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const line = r.stderr.split('\n').find((l) => l.startsWith('phasekit-peak-rss-kb '));
  if (r.status !== 0 || !line) {
    throw new Error(`${what}: exit ${r.status}; stderr: ${r.stderr.slice(-2000)}`);
  }
  const last = JSON.parse(r.stdout.trim().split('\n').at(-1));
  if (last.status !== 'completed') throw new Error(`${what}: ${last.status} ${JSON.stringify(last.failure)}`);
  return { result: last, rssBytes: Number(line.split(' ')[1]) * 1024 };
}

export async function run(ctx) {
  if (!existsSync(TIME)) {
    throw new Error(
      `${TIME} (GNU time) is needed to measure peak RSS from outside the job: apt install time`,
    );
  }
  const RUNS = ctx.quick ? 1 : 3;
  const tree = makeTree(process.env.PHASEKIT_BENCH_TREE ?? DEFAULT_DIR, DEFAULT_FILES, DEFAULT_DIRS, ctx.log);
  const dup = makeDupTree(process.env.PHASEKIT_BENCH_DUP_TREE ?? DUP_DIR, ctx.log);
  const work = ctx.tmpdir('phasekit-bench-rss-');
  const peaks = { shallow: [], reindex: [], content: [], duplicates: [] };
  let groups = null;
  for (let i = 0; i < RUNS; i++) {
    const lib = mkdtempSync(join(work, 'lib-'));
    const library = join(lib, 'library.db');
    const first = measured(['index', tree.root, '--mode', 'shallow', '--library', library], 'shallow index');
    if (first.result.output?.files !== tree.files)
      throw new Error(`shallow index: ${first.result.output?.files} files`);
    peaks.shallow.push(first.rssBytes);
    const again = measured(['index', tree.root, '--mode', 'shallow', '--library', library], 're-index');
    if (again.result.output?.files !== tree.files)
      throw new Error(`re-index: ${again.result.output?.files} files`);
    peaks.reindex.push(again.rssBytes);
    const content = measured(
      ['index', tree.root, '--mode', 'content', '--library', join(lib, 'content.db')],
      'content index',
    );
    if (content.result.output?.files !== tree.files)
      throw new Error(`content index: ${content.result.output?.files} files`);
    peaks.content.push(content.rssBytes);
    const found = measured(
      ['duplicates', dup.root, '--mode', 'content', '--walk', '--library', join(lib, 'dup.db')],
      'duplicates',
    );
    const n = found.result.output?.groups?.length;
    if (!n || (groups !== null && n !== groups))
      throw new Error(`duplicates: ${n} groups (before: ${groups})`);
    groups = n;
    peaks.duplicates.push(found.rssBytes);
  }
  const rows = [
    ['shallow', 'phasekit index --mode shallow, new library', `${tree.files} files`],
    ['reindex', 'phasekit index --mode shallow, re-index unchanged', `${tree.files} files`],
    ['content', 'phasekit index --mode content, new library', `${tree.files} files`],
    ['duplicates', 'phasekit duplicates --mode content --walk', `${dup.files} files, ${groups} groups`],
  ];
  for (const [key, label, what] of rows) {
    const mb = peaks[key].map((b) => b / 1e6);
    ctx.report({
      name: `rss: peak RSS, ${label}`,
      figure: Math.max(...mb),
      unit: 'MB',
      target: { max: LIMIT_MB },
      note: `${what}; whole CLI process under ${TIME} -f %M, largest of ${RUNS} (${mb.map((x) => x.toFixed(0)).join(', ')} MB)`,
    });
  }
}
