#!/usr/bin/env node
/**
 * Summarize a `.cpuprofile` (from `node --cpu-prof`): self time by function and inclusive time of the
 * functions that matter, so a profile can be read without DevTools.
 *
 *   node bench/indexer/summarizeProfile.js FILE.cpuprofile [top=30]
 */
import { readFileSync } from 'node:fs';

const [file, topArg = '30'] = process.argv.slice(2);
const top = Number(topArg);
if (!file || !Number.isInteger(top) || top < 1) {
  // A second profile in the place of `top` (a glob matching the job's and a worker's) would list nothing.
  console.error(
    'usage: node bench/indexer/summarizeProfile.js FILE.cpuprofile [top=30]  (one profile at a time)',
  );
  process.exit(2);
}
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfUs = new Map();
const dt = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) {
  selfUs.set(prof.samples[i], (selfUs.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const label = (n) => {
  const cf = n.callFrame;
  const where = cf.url
    ? `${cf.url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^node:/, 'node:')}:${cf.lineNumber + 1}`
    : '';
  return `${cf.functionName || '(anonymous)'} ${where}`.trim();
};
// Self time by label.
const self = new Map();
for (const [id, us] of selfUs) {
  const l = label(byId.get(id));
  self.set(l, (self.get(l) ?? 0) + us);
}
// Inclusive time by label (each sample counted once per label on its stack).
const incl = new Map();
for (const [id, us] of selfUs) {
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const l = label(byId.get(at));
    if (seen.has(l)) continue;
    seen.add(l);
    incl.set(l, (incl.get(l) ?? 0) + us);
  }
}
const pct = (us) =>
  `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms`;
console.log(`total sampled: ${(total / 1000).toFixed(0)} ms\n\nself time:`);
for (const [l, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${l}`);
console.log('\ninclusive time:');
for (const [l, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${l}`);
