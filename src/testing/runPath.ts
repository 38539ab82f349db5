import { isDeepStrictEqual } from 'node:util';
import { type AnyActorRef, type AnyMachineSnapshot, createActor, fromPromise, type StateValue } from 'xstate';
import { compileJob, type JobMachine } from '../machines/compileJob.js';
import { snapshotPosition } from '../machines/snapshotPosition.js';
import type { JobMachineContext, JobMachineEvent, JobMachineOutput } from '../machines/types.js';
import { decodeEnvelope } from '../persistence/decodeEnvelope.js';
import { ENVELOPE_FORMAT, type Envelope } from '../persistence/Envelope.js';
import { encodeEnvelope } from '../persistence/encodeEnvelope.js';
import type { JobDefinition } from '../phases/defineJob.js';
import { describeEvent, type JobPath, type JobPathEvent } from './jobPaths.js';

/** One start of an actor the job machine invokes: which one, the input it was given, and when. */
export interface Invocation {
  readonly actor: 'runPhase' | 'runHook' | 'sleepUntil' | 'finalize';
  readonly input: Readonly<Record<string, unknown>>;
  /** Index of the path step whose event started it (0 = the start). */
  readonly step: number;
}

/** Where {@link runPath} left the actor. */
export interface RunPathResult {
  /** `done` once the job reached a final state. */
  readonly status: 'active' | 'done';
  readonly value: StateValue;
  /** The machine context: `history`, `errors`, `failure`, `status`… */
  readonly context: JobMachineContext;
  /** The machine's output in a final state. */
  readonly output: JobMachineOutput | undefined;
  /**
   * Every actor the machine started, in order; a phase's start (its `execute` action) is recorded as `runPhase`,
   * with `attempt` and `reset` in its input.
   */
  readonly invocations: readonly Invocation[];
}

/** Options of {@link runPath}. */
export interface RunPathOptions {
  /** Persist, encode, decode and restore after every step, and compare. Default true. */
  readonly restore?: boolean;
}

/**
 * The actor did not follow the path: another state, an actor error, another final status, or a snapshot that
 * does not restore to itself. `expected` and `actual` hold the two sides (test runners show their diff).
 *
 * @example
 * try {
 *   runPath(job, path);
 * } catch (error) {
 *   if (error instanceof PathMismatchError) console.log(error.step, error.what, error.expected, error.actual);
 *   throw error;
 * }
 */
export class PathMismatchError extends Error {
  override readonly name = 'PathMismatchError';
  /** Lets test runners print a diff of `expected` and `actual`. */
  readonly showDiff = true;

  constructor(
    readonly path: string,
    /** Index in `path.steps` (0 = the start). */
    readonly step: number,
    readonly what: 'state' | 'error' | 'final' | 'restore',
    readonly expected: unknown,
    readonly actual: unknown,
    detail: string,
  ) {
    super(
      `Path ${JSON.stringify(path)}, step ${step}: ${detail}\n` +
        `  expected: ${show(expected)}\n` +
        `  actual:   ${show(actual)}`,
    );
  }
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Where the scripted actors record their starts, and the step being taken; `null` while restored copies start
 * theirs. Module state is safe here: an actor starts its children synchronously inside `start()` / `send()`.
 */
let recording: { log: Invocation[]; step: number } | null = null;

const never = <T>(actor: Invocation['actor']) =>
  fromPromise<T, Record<string, unknown>>(({ input }) => {
    recording?.log.push({ actor, input: { ...input }, step: recording.step });
    return new Promise<T>(() => {});
  });

/** Persisted snapshots (as JSON) already restored and found equal, per job: each is checked once. */
const verified = new WeakMap<JobDefinition, Set<string>>();

const scripted = new WeakMap<JobDefinition, ReturnType<typeof build>>();

function build(definition: JobDefinition) {
  return compileJob(definition).provide({
    actors: {
      runPhase: never('runPhase'),
      runHook: never('runHook'),
      sleepUntil: never('sleepUntil'),
      finalize: never('finalize'),
    } as never,
    actions: {
      // A phase's `execute` starts with its `running` state; recorded as the phase actor it stands for.
      execute: (_: unknown, input: Record<string, unknown>) => {
        recording?.log.push({ actor: 'runPhase', input: { ...input }, step: recording.step });
      },
    } as never,
  });
}

/**
 * The job's real machine, with phases (`execute`), `runHook`, `sleepUntil` and `finalize` that never settle:
 * nothing moves it but the events you send (see `jobEvents`). What `runPath` drives; use it for your own
 * drivers, e.g. fast-check properties. Built once per definition.
 *
 * @example
 * const actor = createActor(scriptedMachine(job), { input: { jobId: 'p', input: {} } }).start();
 * actor.send(jobEvents(job, actor.getSnapshot())[0]);
 */
export function scriptedMachine(
  definition: JobDefinition,
): JobMachine<unknown, unknown, JobMachineEvent | JobPathEvent> {
  let machine = scripted.get(definition);
  if (!machine) {
    machine = build(definition);
    scripted.set(definition, machine);
  }
  // It takes the machine's own events too (a phase's result, a backoff elapsed): what `jobEvents` offers.
  return machine as JobMachine<unknown, unknown, JobMachineEvent | JobPathEvent>;
}

/**
 * Drive a real actor of the job's machine along `path` (from `jobPaths`): its `runPhase`, `runHook`,
 * `sleepUntil` and `finalize` actors never settle, so only the path's events move it. After every step the
 * actor must be in the step's state, and (unless `restore: false`) its persisted snapshot, written as a real
 * checkpoint (`encodeEnvelope` → MessagePack → `decodeEnvelope`), must restore into an actor with an equal
 * value, status, context and persisted snapshot. Returns where the actor ended, for assertions on history.
 *
 * @throws {PathMismatchError} at the first step where the actor leaves the path.
 *
 * @example
 * for (const path of jobPaths(backupJob)) {
 *   it(path.description, () => {
 *     const { context } = runPath(backupJob, path);
 *     if (path.final === 'completed') expect(context.failure).toBeNull();
 *   });
 * }
 */
export function runPath(
  definition: JobDefinition,
  path: JobPath,
  options: RunPathOptions = {},
): RunPathResult {
  const machine = scriptedMachine(definition);
  const input = { jobId: path.jobId, input: path.input };
  const invocations: Invocation[] = [];
  let actorError: unknown;
  const actor = createActor(machine, { input });
  actor.subscribe({ error: (error) => (actorError = error) });
  const steps = path.steps;
  const first = steps[0]?.event.type === 'xstate.init' ? 1 : 0;
  const label = (i: number) =>
    i < first
      ? 'start'
      : describeEvent(steps[i].event, i > 0 ? snapshotPosition(steps[i - 1].state).phase : null);

  const check = (i: number, expected: StateValue | undefined) => {
    const snapshot = actor.getSnapshot() as AnyMachineSnapshot;
    if (actorError !== undefined || snapshot.status === 'error') {
      const error = actorError ?? snapshot.error;
      throw new PathMismatchError(
        path.description,
        i,
        'error',
        expected,
        String(error),
        `after ${label(i)} the actor failed: ${String(error)}`,
      );
    }
    if (expected !== undefined && !isDeepStrictEqual(snapshot.value, expected)) {
      throw new PathMismatchError(
        path.description,
        i,
        'state',
        expected,
        snapshot.value,
        `after ${label(i)} the actor is in another state`,
      );
    }
    if (options.restore !== false) checkRestore(definition, machine, actor, path, i, label(i));
  };

  try {
    recording = { log: invocations, step: 0 };
    actor.start();
    recording = null;
    check(0, first === 1 ? steps[0].state : undefined);
    for (let i = first; i < steps.length; i++) {
      recording = { log: invocations, step: i };
      actor.send(steps[i].event as never);
      recording = null;
      check(i, steps[i].state);
    }
    const snapshot = actor.getSnapshot() as AnyMachineSnapshot;
    const context = snapshot.context as JobMachineContext;
    if (path.final !== null && (snapshot.status !== 'done' || context.status !== path.final)) {
      throw new PathMismatchError(
        path.description,
        steps.length - 1,
        'final',
        path.final,
        `${snapshot.status}/${context.status}`,
        'the job did not end as the path says',
      );
    }
    return {
      status: snapshot.status === 'done' ? 'done' : 'active',
      value: snapshot.value,
      context,
      output: snapshot.output as JobMachineOutput | undefined,
      invocations,
    };
  } finally {
    recording = null;
    actor.stop();
  }
}

/** Checkpoint the actor as `runJob` would, restore the bytes into a new actor, and compare the two. */
function checkRestore(
  definition: JobDefinition,
  machine: ReturnType<typeof scriptedMachine>,
  actor: AnyActorRef,
  path: JobPath,
  step: number,
  label: string,
): void {
  const persisted = actor.getPersistedSnapshot();
  const seen = verified.get(definition) ?? new Set<string>();
  verified.set(definition, seen);
  const key = JSON.stringify(persisted);
  if (seen.has(key)) return;
  const snapshot = actor.getSnapshot() as AnyMachineSnapshot;
  const context = snapshot.context as JobMachineContext;
  const envelope: Envelope = {
    format: ENVELOPE_FORMAT,
    job: {
      name: definition.name,
      version: definition.version,
      phases: definition.phases.map((p) => p.phase.name),
    },
    jobId: path.jobId,
    input: path.input,
    machine: persisted,
    state: null,
    history: context.history,
    errors: context.errors,
    progress: {
      phase: null,
      phasePercent: 0,
      overallPercent: 0,
      completed: 0,
      total: 0,
      message: null,
      elapsedMs: 0,
    },
    createdAt: 0,
  };
  const decoded = decodeEnvelope(encodeEnvelope(envelope), {
    name: definition.name,
    version: definition.version,
    jobId: path.jobId,
  });
  const copy = createActor(machine, {
    snapshot: decoded.machine as never,
    input: { jobId: path.jobId, input: path.input },
  });
  let copyError: unknown;
  copy.subscribe({ error: (error) => (copyError = error) });
  try {
    copy.start();
    const restored = copy.getSnapshot() as AnyMachineSnapshot;
    const fail = (what: string, expected: unknown, actual: unknown) =>
      new PathMismatchError(
        path.description,
        step,
        'restore',
        expected,
        actual,
        `the checkpoint taken after ${label} restores with another ${what}`,
      );
    if (copyError !== undefined)
      throw fail('outcome: the restored actor failed', snapshot.status, String(copyError));
    if (!isDeepStrictEqual(restored.value, snapshot.value))
      throw fail('state value', snapshot.value, restored.value);
    if (restored.status !== snapshot.status) throw fail('status', snapshot.status, restored.status);
    const before = withoutUndefined(context);
    const after = withoutUndefined(restored.context);
    if (!isDeepStrictEqual(after, before)) throw fail('context', before, after);
    const again = withoutUndefined(copy.getPersistedSnapshot());
    if (!isDeepStrictEqual(again, withoutUndefined(persisted)))
      throw fail('persisted snapshot', withoutUndefined(persisted), again);
  } finally {
    copy.stop();
  }
  if (seen.size > 100_000) seen.clear();
  seen.add(key);
}

/** A deep copy of plain objects and arrays without `undefined` properties, which MessagePack drops. */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = withoutUndefined(v);
    return out;
  }
  return value;
}
