#!/usr/bin/env node
/**
 * Before/after of the phase machinery in one run: two builds' `runJob` on the 100-phase no-op job of
 * `phases.bench.js` (with boundary checkpoints, MemoryStore, and with `boundaryCheckpoints: false`) and the
 * XState floor (100 states, one invoked promise each), in the same process, round after round, so each
 * figure is paired under the same load. Prints wall and CPU per transition and both ratios to the floor.
 * Not a bench module (run.js skips it).
 *
 *   git worktree add /tmp/before <commit> && ln -s $PWD/node_modules /tmp/before/ &&
 *     (cd /tmp/before && npx tsc -p tsconfig.build.json)
 *   npm run build && node bench/core/pairBuilds.js /tmp/before/dist dist [rounds=15]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createActor, createMachine, fromPromise } from 'xstate';

const [before, after] = [process.argv[2], process.argv[3] ?? 'dist'].map((d) => resolve(d ?? ''));
if (!process.argv[2]) {
  console.error('usage: node bench/core/pairBuilds.js BEFORE_DIST AFTER_DIST [rounds]');
  process.exit(2);
}
const ROUNDS = Number(process.argv[4] ?? 15);
const RUNS = 20;
const PHASES = 100;

async function variants(dist) {
  const { Continue, defineJob, phase, runJob } = await import(pathToFileURL(`${dist}/index.js`).href);
  const job = defineJob({
    name: 'noop',
    version: 1,
    initialState: () => ({ n: 0 }),
    phases: Array.from({ length: PHASES }, (_, i) => phase({ name: `p${i}`, execute: async () => Continue })),
    output: (s) => s.n,
  });
  return {
    ck: () => runJob(job, {}, {}).result,
    nock: () => runJob(job, {}, { boundaryCheckpoints: false }).result,
  };
}

const states = {};
for (let i = 0; i < PHASES; i++) {
  states[`s${i}`] = { invoke: { src: 'work', onDone: i + 1 < PHASES ? `s${i + 1}` : 'done' } };
}
states.done = { type: 'final' };
const flat = createMachine({ id: 'floor', initial: 's0', states }).provide({
  actors: { work: fromPromise(async () => 'continue') },
});
const floor = () =>
  new Promise((res, rej) => {
    const actor = createActor(flat);
    actor.subscribe({ complete: res, error: rej });
    actor.start();
  });

const A = await variants(before);
const B = await variants(after);
const all = { floor, beforeCk: A.ck, afterCk: B.ck, beforeNoCk: A.nock, afterNoCk: B.nock };
// V8 needs some 40 runs before a run costs what it costs in a long-lived process (see phases.bench.js).
for (let i = 0; i < 80; i++) for (const run of Object.values(all)) await run();
const samples = Object.fromEntries(Object.keys(all).map((k) => [k, []]));
const load = [];
for (let r = 0; r < ROUNDS; r++) {
  load.push((await import('node:os')).loadavg()[0].toFixed(1));
  const names = Object.keys(all);
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + r) % names.length];
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < RUNS; i++) await all[name]();
    const c = process.cpuUsage(c0);
    samples[name].push({
      wall: ((performance.now() - t0) * 1000) / RUNS / PHASES,
      cpu: (c.user + c.system) / RUNS / PHASES,
    });
  }
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
const floorCpu = median(samples.floor.map((s) => s.cpu));
for (const [name, xs] of Object.entries(samples)) {
  const wall = median(xs.map((s) => s.wall));
  const cpu = median(xs.map((s) => s.cpu));
  const paired = median(xs.map((s, i) => s.wall / samples.floor[i].wall));
  console.log(
    `${name.padEnd(11)} wall ${wall.toFixed(1).padStart(6)} µs/transition  cpu ${cpu.toFixed(1).padStart(6)}  ` +
      `wall/floor ${paired.toFixed(2)} (paired)  cpu/floor ${(cpu / floorCpu).toFixed(2)}`,
  );
}
console.log(`load average (1 min) at each round: ${load.join(' ')}`);
