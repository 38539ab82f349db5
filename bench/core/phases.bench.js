/**
 * Phase machinery: a job of 100 no-op phases run with `runJob`, per phase transition, against the same 100
 * phase functions awaited in a plain loop, and against XState alone (a bare machine of 100 states advanced
 * by events). With the default MemoryStore (a checkpoint at every phase boundary) and with
 * `boundaryCheckpoints: false`, so the checkpoint cost shows on its own.
 *
 * Goals (issue 12), as ratios to the floor "XState alone, one invoked promise per state", paired round by round
 * in the same run: with boundary checkpoints (MemoryStore) ≤ 2×, without ≤ 1.5×. Those are the `× floor` rows;
 * the µs rows beside them carry the floor as their anchor.
 *
 * Two XState anchors: events alone (what DESIGN.md's ~430k events/s refers to), and a machine whose every
 * state invokes a promise actor (the floor for any design that invokes one actor per phase). One split: the
 * `machine.provide()`, which rebuilds the machine's state nodes (runJob now provides once per definition).
 */
import { createActor, createMachine, fromPromise } from 'xstate';
import { Continue, compileJob, defineJob, phase, runJob } from '../../dist/index.js';

const PHASES = 100;

const job = defineJob({
  name: 'noop',
  version: 1,
  initialState: () => ({ n: 0 }),
  phases: Array.from({ length: PHASES }, (_, i) =>
    phase({
      name: `p${i}`,
      async execute() {
        return Continue;
      },
    }),
  ),
  output: (state) => state.n,
});

/** The same phase functions, awaited in a loop with a context holding what a no-op phase could touch. */
const plainCtx = { state: { n: 0 }, input: {}, jobId: 'plain', phaseName: '' };
async function plainLoop() {
  for (const info of job.phases) {
    plainCtx.phaseName = info.phase.name;
    const out = await info.phase.execute(plainCtx);
    if (out !== Continue) throw new Error('unexpected output');
  }
}

let checkpointBytes = 0;
let checkpoints = 0;
async function viaRunJob(options) {
  const run = runJob(job, {}, options);
  const result = await run.result;
  if (result.status !== 'completed') throw new Error(`job ended ${result.status}`);
}

async function viaRunJobCounting() {
  const run = runJob(job, {}, {});
  run.events$.subscribe((e) => {
    if (e.type === 'checkpointed') {
      checkpoints++;
      checkpointBytes = Math.max(checkpointBytes, e.bytes);
    }
  });
  await run.result;
}

/** XState alone: 100 states, NEXT moves to the next one, the last is final. Built once, like compileJob. */
const states = {};
for (let i = 0; i < PHASES; i++) states[`s${i}`] = { on: { NEXT: i + 1 < PHASES ? `s${i + 1}` : 'done' } };
states.done = { type: 'final' };
const bare = createMachine({ id: 'bare', initial: 's0', states });
const NEXT = { type: 'NEXT' };
function xstateAlone() {
  const actor = createActor(bare).start();
  for (let i = 0; i < PHASES; i++) actor.send(NEXT);
  if (actor.getSnapshot().status !== 'done') throw new Error('bare machine did not finish');
}

/** The same events to one long-lived actor whose 100 states form a ring: the event rate without start-up. */
const ring = {};
for (let i = 0; i < PHASES; i++) ring[`s${i}`] = { on: { NEXT: `s${(i + 1) % PHASES}` } };
const ringActor = createActor(createMachine({ id: 'ring', initial: 's0', states: ring })).start();
function xstateLongLived() {
  for (let i = 0; i < PHASES; i++) ringActor.send(NEXT);
}

/** XState alone, the async way: every state invokes a promise actor and moves on when it resolves. */
const invoking = {};
for (let i = 0; i < PHASES; i++) {
  invoking[`s${i}`] = { invoke: { src: 'work', onDone: i + 1 < PHASES ? `s${i + 1}` : 'done' } };
}
invoking.done = { type: 'final' };
const invokingMachine = createMachine({ id: 'invoking', initial: 's0', states: invoking }).provide({
  actors: { work: fromPromise(async () => Continue) },
});
function xstateInvoking() {
  return new Promise((resolve, reject) => {
    const actor = createActor(invokingMachine);
    actor.subscribe({ complete: resolve, error: reject });
    actor.start();
  });
}

/**
 * The compiled job machine alone: runJob's machine with its `execute` action replaced by a bare promise that
 * sends the phase's done event, and its persist action by nothing — no runtime, no checkpoint, no progress. What XState costs for phasekit's machine (a
 * compound state per phase, guards, the history kept in the context): the floor under any runtime.
 */
const CONTINUED = { kind: 'continue', at: 1, startedAt: 1 };
const machineAlone = compileJob(job).provide({
  actors: {
    finalize: fromPromise(async () => ({ output: 0, at: 1 })),
  },
  actions: {
    // What the runtime's `execute` does, bare: the phase's outcome one promise later, as its done event.
    execute: ({ self }, input) => {
      const type = `xstate.done.actor.execute-${input.phase}`;
      Promise.resolve().then(() => self.send({ type, output: CONTINUED }));
    },
    persist: () => {},
  },
});
const ALONE_INPUT = { input: { jobId: 'alone', input: {} } };
function compiledMachineAlone() {
  return new Promise((resolve, reject) => {
    const actor = createActor(machineAlone, ALONE_INPUT);
    actor.subscribe({ complete: resolve, error: reject });
    actor.start();
  });
}

/** What one provide() costs: runJob used to pay it on every run; it now pays it once per definition. */
const compiled = compileJob(job);
function provideOnce() {
  compiled.provide({});
}

/**
 * Runs of each variant before measuring. The harness's warm-up sizes batches, and one run of 100 phases with
 * checkpoints fills a sample on its own: it would warm up on 3 runs, while V8 needs some 40 (4,000 phases)
 * before a run costs what it costs in a process that runs jobs all day — the first runs are 3 to 10 times
 * slower, for XState alone too. The figures are steady state; the cold first run is the row below them.
 */
const WARM_RUNS = 60;

export async function run(ctx) {
  const cold = performance.now();
  await viaRunJobCounting();
  const coldMs = performance.now() - cold;
  for (let i = 0; i < (ctx.quick ? 15 : WARM_RUNS); i++) {
    await viaRunJob({});
    await viaRunJob({ boundaryCheckpoints: false });
    await xstateInvoking();
    await compiledMachineAlone();
  }
  const m = await ctx.measure(
    {
      plain: { fn: plainLoop, ops: PHASES },
      xstate: { fn: xstateAlone, ops: PHASES },
      xstateLongLived: { fn: xstateLongLived, ops: PHASES },
      xstateInvoking: { fn: xstateInvoking, ops: PHASES },
      provide: { fn: provideOnce, ops: PHASES },
      machineAlone: { fn: compiledMachineAlone, ops: PHASES },
      checkpoints: { fn: () => viaRunJob({}), ops: PHASES },
      noCheckpoints: { fn: () => viaRunJob({ boundaryCheckpoints: false }), ops: PHASES },
    },
    { rounds: 21, warmupRounds: 3, minSampleMs: 40 },
  );
  const anchorLabel = 'plain await loop';
  const floorLabel = 'XState, 1 invoked promise/state';
  const xs = m.variants.xstate.nsPerOp.median;
  ctx.reportVs(m, {
    name: 'phases: runJob 100 no-op, MemoryStore + boundary ckpt',
    subject: 'checkpoints',
    anchor: 'xstateInvoking',
    anchorLabel: floorLabel,
    unit: 'µs/transition',
    note:
      `${fmtX(m.ratio('checkpoints', 'plain').median)}x the plain await loop; ` +
      `${checkpoints} checkpoints per run, ` +
      `up to ${(checkpointBytes / 1024).toFixed(1)} KiB each`,
  });
  ctx.reportVs(m, {
    name: 'phases: runJob 100 no-op, boundaryCheckpoints: false',
    subject: 'noCheckpoints',
    anchor: 'xstateInvoking',
    anchorLabel: floorLabel,
    unit: 'µs/transition',
    note: `${fmtX(m.ratio('noCheckpoints', 'plain').median)}x the plain await loop`,
  });
  for (const [subject, label, max] of [
    ['checkpoints', 'MemoryStore + boundary ckpt', 2],
    ['noCheckpoints', 'boundaryCheckpoints: false', 1.5],
  ]) {
    const r = m.ratio(subject, 'xstateInvoking');
    const cpu = m.variants[subject].cpuNsPerOp.median / m.variants.xstateInvoking.cpuNsPerOp.median;
    ctx.report({
      name: `goal: ${label} / XState floor`,
      figure: r.median,
      unit: '× floor',
      spread: { p25: r.p25, p75: r.p75, n: r.n },
      target: { max },
      note: `wall time paired per round in this run; CPU time ${fmtX(cpu)}x (medians)`,
    });
  }
  ctx.report({
    name: 'phases: first runJob in the process (cold), boundary ckpt',
    figure: (coldMs * 1e3) / PHASES,
    unit: 'µs/transition',
    note: 'one run, before any warm-up: what a CLI that runs one job per process pays per phase at first',
  });
  const d = m.diff('checkpoints', 'noCheckpoints');
  ctx.report({
    name: 'phases: boundary checkpoint cost (ckpt − no ckpt)',
    figure: d.median / 1e3,
    unit: 'µs/transition',
    spread: { p25: d.p25 / 1e3, p75: d.p75 / 1e3, n: d.n },
    note: 'paired per round: the MemoryStore run minus the boundaryCheckpoints: false run',
  });
  ctx.reportVs(m, {
    name: 'phases: XState alone, 100 states by events',
    subject: 'xstate',
    anchor: 'plain',
    anchorLabel,
    unit: 'µs/event',
    note:
      `${Math.round(1e6 / xs)}k events/s with createActor+start per 100 events; one long-lived actor: ` +
      `${Math.round(1e6 / m.variants.xstateLongLived.nsPerOp.median)}k events/s (DESIGN.md: ~430k/s)`,
  });
  ctx.reportVs(m, {
    name: 'phases: XState alone, 100 states invoking a promise',
    subject: 'xstateInvoking',
    anchor: 'plain',
    anchorLabel,
    unit: 'µs/state',
    note: 'the floor of one invoked fromPromise actor per phase',
  });
  ctx.reportVs(m, {
    name: 'split: the compiled job machine alone (bare promises)',
    subject: 'machineAlone',
    anchor: 'xstateInvoking',
    anchorLabel: floorLabel,
    unit: 'µs/transition',
    note:
      "runJob's machine, phases replaced by bare promises, no runtime: what XState costs for a compound state " +
      'per phase with its history; the no-checkpoint goal (≤ 1.5× floor) lies below it',
  });
  ctx.reportVs(m, {
    name: 'split: machine.provide() once (runJob caches it per definition)',
    subject: 'provide',
    anchor: 'plain',
    anchorLabel,
    unit: 'µs/transition',
    note: `amortized over the 100 phases: ${fmtX((m.variants.provide.nsPerOp.median * PHASES) / 1e6)} ms per run`,
  });
}

function fmtX(x) {
  return x >= 10 ? x.toFixed(1) : x.toFixed(2);
}
