#!/usr/bin/env node
/**
 * Before/after of the indexer in one run: two built checkouts indexed alternately on the bench tree
 * (`makeTree.js`), with the anchors (`find -printf`, and find + bare INSERT) timed in the same rounds, so
 * every figure is a paired ratio measured under the same load (not a bench module: run.js skips it).
 *
 *   git archive OLD | tar -x -C /tmp/old && ln -s $PWD/node_modules /tmp/old/ && (cd /tmp/old && npm run build)
 *   npm run build && node bench/indexer/beforeAfter.js /tmp/old . [rounds] [shallow,reindex,cli,content]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_DIR, makeTree } from './makeTree.js';

const tree = makeTree(process.env.PHASEKIT_BENCH_TREE ?? DEFAULT_DIR).root;
const FILES = 100_000;
const trees = { base: resolve(process.argv[2]), new: resolve(process.argv[3] ?? '.') };
const tools = {};
for (const [k, r] of Object.entries(trees)) tools[k] = await import(`${r}/bench/indexer/indexTools.js`);
const work = mkdtempSync(join(tmpdir(), 'phasekit-before-after-'));
let n = 0;
const f = (p) => join(work, `${p}-${++n}`);
const rounds = Number(process.argv[4] ?? 3);
const modes = (process.argv[5] ?? 'shallow,reindex,cli,content').split(',');
const rec = {};
const push = (k, v) => {
  rec[k] ??= [];
  rec[k].push(v);
};
const loads = [];
const reDb = {};
for (const k of Object.keys(trees)) {
  reDb[k] = f(`re-${k}.db`);
  await tools[k].indexOnce(tree, reDb[k]);
}
for (let r = 0; r < rounds; r++) {
  loads.push(loadavg()[0]);
  const order = r % 2 ? ['new', 'base'] : ['base', 'new'];
  // anchors
  if (modes.includes('shallow') || modes.includes('cli')) {
    const t0 = performance.now();
    execFileSync('sh', ['-c', `find "$1" -printf '%p %s %T@ %i\\n' > "$2"`, 'sh', tree, f('list')]);
    push('find', performance.now() - t0);
  }
  if (modes.includes('shallow')) {
    const a = tools.new.anchorIndex(tree, f('list'), f('anchor.db'));
    push('anchorIndex', a.findMs + a.insertMs);
  }
  for (const k of order) {
    if (modes.includes('shallow')) {
      const x = await tools[k].indexOnce(tree, f(`cold-${k}.db`));
      push(`shallow-${k}`, x.ms);
      push(`shallowDisc-${k}`, x.phases.discovery);
    }
    if (modes.includes('reindex')) {
      const x = await tools[k].indexOnce(tree, reDb[k]);
      if (x.output.unchanged < FILES) throw new Error('changes');
      push(`reindex-${k}`, x.ms);
    }
    if (modes.includes('cli')) {
      const t0 = performance.now();
      execFileSync(
        process.execPath,
        [
          `${trees[k]}/dist/cli/main.js`,
          'index',
          tree,
          '--mode',
          'shallow',
          '--library',
          f(`cli-${k}.db`),
          '--json',
        ],
        { stdio: 'ignore' },
      );
      push(`cli-${k}`, performance.now() - t0);
    }
    if (modes.includes('content')) {
      const x = await tools[k].indexOnce(tree, f(`content-${k}.db`), { mode: 'content' });
      push(`content-${k}`, x.ms);
      push(`contentPhase-${k}`, x.phases.content);
    }
  }
}
loads.push(loadavg()[0]);
const med = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2;
};
const paired = (a, b) => med(rec[a].map((x, i) => x / rec[b][i]));
const out = {};
for (const [k, v] of Object.entries(rec)) out[k] = { medianMs: Math.round(med(v)), all: v.map(Math.round) };
console.log(JSON.stringify(out, null, 1));
console.log('load avg per round', loads.map((l) => l.toFixed(1)).join(' '));
const rate = (k) => Math.round((FILES * 1000) / med(rec[k]));
for (const m of ['shallow', 'reindex', 'cli', 'content']) {
  if (!rec[`${m}-new`]) continue;
  console.log(
    `${m}: base ${rate(`${m}-base`)} files/s, new ${rate(`${m}-new`)} files/s, new/base time ${paired(`${m}-new`, `${m}-base`).toFixed(2)}x`,
    m === 'shallow'
      ? `; vs anchor (find+bare insert): base ${paired('shallow-base', 'anchorIndex').toFixed(2)}x new ${paired('shallow-new', 'anchorIndex').toFixed(2)}x; discovery new ${rate('shallowDisc-new')}/s`
      : '',
    m === 'cli'
      ? `; vs find -printf: base ${paired('cli-base', 'find').toFixed(2)}x new ${paired('cli-new', 'find').toFixed(2)}x`
      : '',
    m === 'reindex' && rec.find
      ? `; vs find: base ${paired('reindex-base', 'find').toFixed(2)}x new ${paired('reindex-new', 'find').toFixed(2)}x`
      : '',
  );
}
rmSync(work, { recursive: true, force: true });
