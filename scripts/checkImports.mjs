#!/usr/bin/env node
// The doors between phasekit's rooms, checked: no import cycles anywhere in src/, no file importing an entry
// module (those are for users), dependencies pointing down only, and no job folder importing another's.
// Exit 1 with one line per violation. Run by `npm run lint`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const src = join(root, 'src');
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(full);
  }
})(src);

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
const graph = new Map();
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const deps = new Set();
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
    if (files.includes(target)) deps.add(target);
  }
  graph.set(file, deps);
}

const rel = (f) => relative(src, f);
const room = (f) => rel(f).split('/')[0].replace(/\.ts$/, '');
const ENTRIES = new Set(['index.ts', 'sqlite.ts', 'postgres.ts', 'jobs/index.ts', 'testing/index.ts']);
/** What each room may import besides itself. */
const MAY = {
  adapters: ['phases', 'persistence'],
  phases: [],
  persistence: ['phases', 'adapters'],
  machines: ['phases', 'persistence', 'adapters'],
  jobs: ['machines', 'phases', 'persistence', 'adapters'],
  manager: ['machines', 'phases', 'persistence', 'adapters'],
  testing: ['machines', 'phases', 'persistence', 'adapters'],
  cli: ['manager', 'jobs', 'machines', 'phases', 'persistence', 'adapters'],
};
/** Job folders everyone may use: what the jobs share. */
const SHARED_JOB_FOLDERS = new Set(['fs', 'library', 'content', 'trash', 'descriptor', 'index.ts']);

const problems = [];
for (const [file, deps] of graph) {
  for (const dep of deps) {
    if (ENTRIES.has(rel(dep)))
      problems.push(`${rel(file)} imports the entry module ${rel(dep)}: import the module itself`);
    const from = room(file);
    const to = room(dep);
    if (from in MAY && to in MAY && from !== to && !MAY[from].includes(to))
      problems.push(
        `${rel(file)} (${from}) imports ${rel(dep)} (${to}): ${from} may import ${MAY[from].join(', ') || 'only itself'}`,
      );
    if (from === 'jobs' && to === 'jobs') {
      const a = rel(file).split('/')[1];
      const b = rel(dep).split('/')[1];
      if (a !== b && !SHARED_JOB_FOLDERS.has(a) && !SHARED_JOB_FOLDERS.has(b))
        problems.push(
          `${rel(file)} (job ${a}) imports ${rel(dep)} (job ${b}): move what they share to src/jobs/fs/`,
        );
      if (SHARED_JOB_FOLDERS.has(a) && a !== 'index.ts' && !SHARED_JOB_FOLDERS.has(b))
        problems.push(
          `${rel(file)} (shared ${a}) imports ${rel(dep)} (job ${b}): shared code must not depend on a job`,
        );
    }
  }
}

// Cycles: Tarjan's strongly connected components.
let index = 0;
const stack = [];
const meta = new Map();
const cycles = [];
function connect(v) {
  meta.set(v, { index, low: index, on: true });
  index++;
  stack.push(v);
  for (const w of graph.get(v)) {
    if (!meta.has(w)) {
      connect(w);
      meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
    } else if (meta.get(w).on) meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
  }
  if (meta.get(v).low === meta.get(v).index) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      meta.get(w).on = false;
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v).has(v)) cycles.push(component);
  }
}
for (const v of graph.keys()) if (!meta.has(v)) connect(v);
for (const c of cycles) problems.push(`import cycle of ${c.length} files: ${c.map(rel).sort().join(' → ')}`);

if (problems.length) {
  for (const p of problems) console.error(p);
  console.error(`${problems.length} import rule violation(s) in src/ (scripts/checkImports.mjs).`);
  process.exit(1);
}
console.log(`imports: ${files.length} files, no cycles, every door respected.`);
