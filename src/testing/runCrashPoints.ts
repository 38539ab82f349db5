import { fork } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resumeJob } from '../machines/resumeJob.js';
import { runJob } from '../machines/runJob.js';
import type { JobDefinition } from '../phases/defineJob.js';
import type { CrashPoint } from './CrashPoint.js';
import { CrashingStore } from './CrashingStore.js';
import type { CrashPointsOptions, CrashTrial } from './CrashTrial.js';
import { runOptionsOf } from './crashPoints.js';
import { firstDifference } from './firstDifference.js';
import { type CrashOutcome, outcomeOf } from './outcomeOf.js';
import { processWrites } from './processWrites.js';

export type { CrashOutcome } from './outcomeOf.js';

/** Options of {@link runCrashPoints}. */
export interface RunCrashPointsOptions<D = unknown> extends CrashPointsOptions<D> {
  /** Which points to crash at: a list (from `crashPoints`) or a filter. Default: every point of the run. */
  readonly points?: readonly CrashPoint[] | ((point: CrashPoint) => boolean);
  /** Reduce an outcome to what must be equal (drop times, counters of rework). Default: all of it. */
  readonly normalize?: (outcome: CrashOutcome) => unknown;
  /**
   * Most bytes a crash may make the job write twice, measured outside the job: the process's `write`
   * system calls (`/proc/self/io`) of the crashed run and of its resume, less those of the uninterrupted run.
   * More is a mismatch. Linux only; default: not measured.
   */
  readonly maxRewrittenBytes?: number;
  /** Longest wait for a resumed run to end, in ms; longer is a mismatch. Default 30 000. */
  readonly timeoutMs?: number;
  /**
   * Crash in a real child process killed with SIGKILL at the point, instead of in this one. `module` is the
   * path of an ES module exporting `job`, `input` and `reopen()` (see `CrashChildModule`): a child opens the
   * world `setup()` prepared, runs the job until the point and kills itself; a second, fresh child (the
   * restarted process: nothing of the dead one's memory, nor of this one's) reopens the data, resumes the job
   * and sends back how it ended (its `effects()` read there), which this process compares. `run` options must
   * be JSON then (the children use the system clock). In this process instead, memory a job keeps outside its
   * state and its data (a module-level cache) survives the crash, and a job that depends on it is not caught.
   */
  readonly childProcess?: { readonly module: string };
}

/** One crash, resumed. */
export interface CrashTrialReport {
  readonly point: CrashPoint;
  /** False when the run ended without making that write (the job is not deterministic). */
  readonly reached: boolean;
  readonly outcome?: CrashOutcome;
  /** Bytes written twice (see `maxRewrittenBytes`), when measured. */
  readonly rewrittenBytes?: number;
  /** What differed from the uninterrupted run, or `null`. */
  readonly mismatch: string | null;
}

/** A point whose resumed run ended otherwise than the uninterrupted one. */
export interface CrashMismatch {
  readonly point: CrashPoint;
  /** `#12 checkpoint in copying (running), after-caller-writes: effects.rows.length: 40 ≠ 44`. */
  readonly message: string;
}

/** What {@link runCrashPoints} found. */
export interface CrashPointsReport {
  /** The uninterrupted run. */
  readonly reference: CrashOutcome;
  /** Bytes the uninterrupted run wrote, when measured. */
  readonly referenceWrites?: number;
  /** Every point of the uninterrupted run. */
  readonly points: readonly CrashPoint[];
  readonly trials: readonly CrashTrialReport[];
  readonly mismatches: readonly CrashMismatch[];
  /** Points the crashed run never reached. */
  readonly unreached: readonly CrashPoint[];
  /** Wall time of the whole check. */
  readonly ms: number;
}

/**
 * Crash the job at every crash point and check that resuming it from the store ends exactly as an
 * uninterrupted run does. For each point: a fresh world from `setup()`, the job run until that point, then
 * a crash there — the write never returns (the job is frozen), `freeze()` makes the data refuse every later
 * write, the actor is stopped and everything in memory dropped; then `reopen()` (the restarted process),
 * `resumeJob`, and the final status, output, history, errors, state and `effects()` compared with the
 * uninterrupted run's. A phase that does work its checkpoint does not cover shows up as a mismatch at the
 * point after that work, naming the phase.
 *
 * @example
 * const report = await runCrashPoints(indexerJob, { path: tree }, {
 *   setup: () => {
 *     const library = openLibrary(freshFile());
 *     return {
 *       store: new SqliteStore(library.db), deps: { library },
 *       effects: () => library.db.prepare('SELECT name, size FROM entries ORDER BY name').all(),
 *       freeze: () => library.db.pragma('query_only = ON'),
 *       reopen: () => …same file…, close: () => library.close(),
 *     };
 *   },
 * });
 * expect(report.mismatches).toEqual([]);
 */
export async function runCrashPoints<S, I, D, O>(
  definition: JobDefinition<S, I, D, O>,
  input: I,
  options: RunCrashPointsOptions<D>,
): Promise<CrashPointsReport> {
  const started = performance.now();
  const measure = options.maxRewrittenBytes !== undefined && processWrites() !== undefined;
  const normalize = options.normalize ?? ((o: CrashOutcome) => o);

  const world = await options.setup();
  let reference: CrashOutcome;
  let points: CrashPoint[];
  let referenceWrites: number | undefined;
  try {
    const counting = new CrashingStore(world.store);
    const before = processWrites();
    const run = runJob(definition, input, runOptionsOf(options, world, counting));
    const result = await run.result;
    if (measure) referenceWrites = processWrites()! - before!;
    reference = await outcomeOf(run, result, world);
    points = counting.points();
  } finally {
    await world.close?.();
  }

  const chosen =
    options.points === undefined
      ? points
      : typeof options.points === 'function'
        ? points.filter(options.points)
        : options.points;
  const expected = normalize(reference);
  const trials: CrashTrialReport[] = [];
  for (const point of chosen) {
    const trial = await crashAndResume(definition, input, options, point, measure);
    if (!trial.reached || trial.mismatch !== null || trial.outcome === undefined) {
      trials.push(trial);
      continue;
    }
    let mismatch = firstDifference(expected, normalize(trial.outcome));
    if (
      mismatch === null &&
      trial.rewrittenBytes !== undefined &&
      referenceWrites !== undefined &&
      trial.rewrittenBytes - referenceWrites > options.maxRewrittenBytes!
    ) {
      mismatch =
        `wrote ${trial.rewrittenBytes - referenceWrites} bytes more than the uninterrupted run ` +
        `(${referenceWrites}); at most ${options.maxRewrittenBytes} may be written twice`;
    }
    trials.push({
      ...trial,
      ...(trial.rewrittenBytes !== undefined && referenceWrites !== undefined
        ? { rewrittenBytes: trial.rewrittenBytes - referenceWrites }
        : {}),
      mismatch,
    });
  }
  return {
    reference,
    ...(referenceWrites !== undefined ? { referenceWrites } : {}),
    points,
    trials,
    mismatches: trials
      .filter((t) => t.mismatch !== null)
      .map((t) => ({ point: t.point, message: `${t.point.label}: ${t.mismatch}` })),
    unreached: trials.filter((t) => !t.reached).map((t) => t.point),
    ms: performance.now() - started,
  };
}

/** One trial: run to the point, crash, reopen, resume. `rewrittenBytes` is the raw total of both runs. */
async function crashAndResume<S, I, D, O>(
  definition: JobDefinition<S, I, D, O>,
  input: I,
  options: RunCrashPointsOptions<D>,
  point: CrashPoint,
  measure: boolean,
): Promise<CrashTrialReport> {
  if (options.childProcess) return crashInChild(options, point, measure);
  const world = await options.setup();
  let reopened: CrashTrial<D> | undefined;
  try {
    const store = new CrashingStore(world.store, {
      crashAt: { write: point.write, moment: point.moment },
      ...(world.freeze ? { freeze: () => world.freeze!() } : {}),
    });
    const before = processWrites();
    let writes = 0;
    const run = runJob(definition, input, runOptionsOf(options, world, store));
    const ended = await Promise.race([
      store.crashed.then(() => false),
      run.result.then(
        () => true,
        () => true,
      ),
    ]);
    if (measure) writes += processWrites()! - before!;
    if (ended && !store.dead) return { point, reached: false, mismatch: null };
    // The run never learns of its end: its write never returns. A stop that waits for it never settles either.
    void Promise.resolve(run.stop() as unknown).catch(() => {});
    // Let the stopped actor's last callbacks run before the data is reopened.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (world.reopen) {
      await world.close?.();
      reopened = await world.reopen();
    } else reopened = world;
    if (store.lease && reopened.store.release) {
      // The crashed owner is this very process, alive: release its lease as its death would have let it lapse.
      await reopened.store.release(store.lease);
    }
    return await resumeAndCompare(definition, input, options, point, reopened, measure ? writes : undefined);
  } catch (error) {
    return { point, reached: true, mismatch: `resuming threw ${(error as Error)?.stack ?? String(error)}` };
  } finally {
    await (reopened ?? world).close?.();
  }
}

/** After the crash: the restarted process resumes the job from the data and reports how it ended. */
async function resumeAndCompare<S, I, D, O>(
  definition: JobDefinition<S, I, D, O>,
  input: I,
  options: RunCrashPointsOptions<D>,
  point: CrashPoint,
  reopened: CrashTrial<D>,
  writesBefore: number | undefined,
): Promise<CrashTrialReport> {
  let writes = writesBefore ?? 0;
  const measure = writesBefore !== undefined;
  const before = processWrites();
  const again = runOptionsOf(options, reopened, reopened.store);
  // A crash before the first write leaves no job in the store: the restarted app starts it again.
  const resumed = (await reopened.store.load(again.jobId))
    ? await resumeJob(definition, again.jobId, again)
    : runJob(definition, input, again);
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const result = await Promise.race([
    resumed.result,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (result === undefined) {
    void Promise.resolve(resumed.stop() as unknown).catch(() => {});
    return { point, reached: true, mismatch: `the resumed run did not end within ${timeoutMs} ms` };
  }
  if (measure) writes += processWrites()! - before!;
  const outcome = await outcomeOf(resumed, result, reopened);
  return { point, reached: true, outcome, ...(measure ? { rewrittenBytes: writes } : {}), mismatch: null };
}

/** One trial in a child process that SIGKILLs itself at the point; resumed in another. */
async function crashInChild<D>(
  options: RunCrashPointsOptions<D>,
  point: CrashPoint,
  measure: boolean,
): Promise<CrashTrialReport> {
  const world = await options.setup();
  await world.close?.();
  if (!world.reopen) {
    throw new TypeError('runCrashPoints with childProcess: setup() must return a world with reopen().');
  }
  const child = fork(
    childRunner(),
    [
      options.childProcess!.module,
      'crash',
      String(point.write),
      point.moment,
      options.jobId ?? 'crash-points',
      JSON.stringify(options.run ?? {}),
    ],
    { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] },
  );
  let said: { type: string; writes?: number } | undefined;
  let stderr = '';
  child.on('message', (m) => {
    said = m as typeof said;
  });
  child.stderr!.on('data', (d) => {
    stderr += String(d);
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (said?.type === 'ended' && code === 0) return { point, reached: false, mismatch: null };
  if (signal !== 'SIGKILL' || said?.type !== 'crashing') {
    return { point, reached: true, mismatch: `the child process exited with ${signal ?? code}: ${stderr}` };
  }
  const crashWrites = measure && said.writes !== undefined ? said.writes : undefined;
  return resumeInChild(options, point, crashWrites, measure);
}

/** The restarted process: a fresh child resumes the job from the data and sends back how it ended. */
async function resumeInChild<D>(
  options: RunCrashPointsOptions<D>,
  point: CrashPoint,
  crashWrites: number | undefined,
  measure: boolean,
): Promise<CrashTrialReport> {
  const child = fork(
    childRunner(),
    [
      options.childProcess!.module,
      'resume',
      '0',
      'before-write',
      options.jobId ?? 'crash-points',
      JSON.stringify(options.run ?? {}),
    ],
    // Structured clone, not JSON: outputs and effects may hold Buffers, Maps, undefined.
    { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], serialization: 'advanced' },
  );
  let said: { type: string; outcome?: CrashOutcome; writes?: number } | undefined;
  let stderr = '';
  child.on('message', (m) => {
    said = m as typeof said;
  });
  child.stderr!.on('data', (d) => {
    stderr += String(d);
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  if (said?.type !== 'outcome' || said.outcome === undefined) {
    const why =
      signal === 'SIGKILL'
        ? `the resumed run did not end within ${timeoutMs} ms`
        : `the resuming child process exited with ${signal ?? code}: ${stderr}`;
    return { point, reached: true, mismatch: why };
  }
  const rewritten =
    measure && crashWrites !== undefined && said.writes !== undefined ? crashWrites + said.writes : undefined;
  return {
    point,
    reached: true,
    outcome: said.outcome,
    ...(rewritten !== undefined ? { rewrittenBytes: rewritten } : {}),
    mismatch: null,
  };
}

/** The child's script: next to this module when built, else the built one (tests run from the sources). */
function childRunner(): string {
  const here = fileURLToPath(new URL('./crashChild.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = here.replace(`${sep}src${sep}testing${sep}`, `${sep}dist${sep}testing${sep}`);
  if (existsSync(built)) return built;
  throw new Error(`runCrashPoints: no ${here} nor ${built}; build phasekit (npm run build) first.`);
}
