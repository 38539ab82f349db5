#!/usr/bin/env node
/**
 * Whether two builds write the same library (not a bench module: run.js skips it). Both index the same tree
 * into their own library, alternately, at each step: a new library, a re-index of the unchanged tree, then
 * (on the generated tree) a re-index after new, modified, moved and deleted files and directories, and one
 * more unchanged. Compares every `entries` row (all columns) and the list of indexes after each step.
 *
 *   node bench/indexer/compareLibraries.js OLD/dist NEW/dist          # a generated tree of ~6,000 entries
 *   node bench/indexer/compareLibraries.js OLD/dist NEW/dist bench    # the bench tree (new + unchanged)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { DEFAULT_DIR, makeTree } from './makeTree.js';
const [distA, distB, which] = process.argv.slice(2).map((a, i) => (i < 2 ? path.resolve(a) : a));
const out = path.join(os.tmpdir(), 'phasekit-compare-libraries.json');
const load = async (dist) => ({
  runJob: (await import(`${dist}/index.js`)).runJob,
  SqliteStore: (await import(`${dist}/persistence/stores/SqliteStore.js`)).SqliteStore,
  indexerJob: (await import(`${dist}/jobs/indexer/indexerJob.js`)).indexerJob,
  openLibrary: (await import(`${dist}/jobs/library/openLibrary.js`)).openLibrary,
});
const sides = { A: await load(distA), B: await load(distB) };
const work = path.join(os.tmpdir(), 'phasekit-compare-libraries');
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
let root;
if (which === 'bench') root = makeTree(process.env.PHASEKIT_BENCH_TREE ?? DEFAULT_DIR).root;
else {
  root = path.join(work, 'tree');
  for (let d = 0; d < 40; d++)
    for (let e = 0; e < 5; e++) {
      const dir = path.join(root, `d${d}`, `e${e}`);
      fs.mkdirSync(dir, { recursive: true });
      for (let f = 0; f < 30; f++)
        fs.writeFileSync(path.join(dir, `f${f}.${['txt', 'jpg', 'bin'][f % 3]}`), `${d}/${e}/${f}`.repeat(f));
    }
  fs.symlinkSync('d0', path.join(root, 'link'));
  fs.writeFileSync(path.join(root, Buffer.from([0x66, 0xff, 0x2e, 0x74]).toString('latin1')), 'x');
  fs.writeFileSync(Buffer.concat([Buffer.from(root + '/d1/'), Buffer.from([0x67, 0xfe])]), 'bad');
}
const t0 = 1_700_000_000;
const dumps = { A: {}, B: {} };
async function index(label) {
  for (const side of ['A', 'B']) await indexSide(side, label);
}
async function indexSide(side, label) {
  const { runJob, SqliteStore, indexerJob, openLibrary } = sides[side];
  const db = path.join(work, `lib-${side}.db`);
  const library = openLibrary(db);
  try {
    const r = await runJob(
      indexerJob,
      { path: root, batchSize: 500 },
      { store: new SqliteStore(library.db), deps: { library } },
    ).result;
    if (r.status !== 'completed') throw new Error(JSON.stringify(r));
    const rows = library.db.prepare('SELECT * FROM entries ORDER BY id').raw().all();
    const h = createHash('sha256');
    for (const row of rows)
      h.update(JSON.stringify(row.map((v) => (Buffer.isBuffer(v) ? v.toString('hex') : v))));
    const idx = library.db
      .prepare("SELECT name, sql FROM sqlite_schema WHERE type='index' ORDER BY name")
      .all();
    dumps[side][label] = {
      output: { ...r.output, path: undefined },
      errors: r.errors.length,
      rows: rows.length,
      hash: h.digest('hex'),
      idx: JSON.stringify(idx),
    };
  } finally {
    library.close();
  }
}
await index('new');
await index('again');
if (which !== 'bench') {
  fs.writeFileSync(path.join(root, 'd3', 'e1', 'new.txt'), 'new');
  fs.mkdirSync(path.join(root, 'd4', 'newdir', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'd4', 'newdir', 'sub', 'x'), 'x');
  fs.writeFileSync(path.join(root, 'd5', 'e2', 'f7.jpg'), 'changed, longer content');
  fs.utimesSync(path.join(root, 'd5', 'e2', 'f10.jpg'), t0, t0);
  fs.rmSync(path.join(root, 'd6'), { recursive: true });
  fs.rmSync(path.join(root, 'd7', 'e0', 'f3.txt'));
  fs.renameSync(path.join(root, 'd8'), path.join(root, 'd9', 'd8-moved'));
  fs.renameSync(path.join(root, 'd10', 'e0', 'f1.jpg'), path.join(root, 'd11', 'f1-moved.jpg'));
  fs.rmSync(path.join(root, 'd12', 'e3'), { recursive: true });
  fs.mkdirSync(path.join(root, 'd13', 'e9', 'deep'), { recursive: true });
  fs.writeFileSync(path.join(root, 'd13', 'e9', 'deep', 'y'), 'y');
  await index('changed');
  await index('changedAgain');
}
fs.writeFileSync(out, JSON.stringify(dumps, null, 1));
for (const side of ['A', 'B'])
  console.log(
    side,
    Object.entries(dumps[side])
      .map(([k, v]) => `${k}: rows ${v.rows} ${v.hash.slice(0, 12)} ${JSON.stringify(v.output)}`)
      .join('\n'),
  );
const same = JSON.stringify(dumps.A) === JSON.stringify(dumps.B);
console.log(same ? 'IDENTICAL' : `DIFFERENT (details in ${out})`);
process.exitCode = same ? 0 : 1;
