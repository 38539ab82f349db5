import { getAdjacencyMap, getShortestPaths, serializeSnapshot } from '@xstate/graph';
import { type AnyMachineSnapshot, initialTransition, type StateValue, transition } from 'xstate';
import { compileJob, type JobMachine } from '../machines/compileJob.js';
import { snapshotPosition } from '../machines/snapshotPosition.js';
import type { JobMachineContext } from '../machines/types.js';
import type { JobDefinition } from '../phases/defineJob.js';
import type { PhaseErrorKind } from '../phases/PhaseError.js';
import type { JobPathEvent } from './JobPathEvent.js';
import { type RawPath, transitionPaths } from './transitionPaths.js';

/**
 * A scripted phase outcome: how a phase's `execute` ends. `skipTo` stands for every declared target,
 * `undeclaredSkipTo` for a target the phase did not declare (the job fails).
 */
export type PhaseOutcome =
  | 'continue'
  | 'complete'
  | 'skipTo'
  | 'undeclaredSkipTo'
  | 'nonFatal'
  | 'paused'
  | 'cancelled'
  | 'fatal';

/** Control events an app sends to a running job. */
export type ControlEventType = 'PAUSE' | 'RESUME' | 'CANCEL';

/**
 * Every outcome, in the order paths try them (the default of `outcomes`).
 *
 * @example
 * jobPaths(job, { outcomes: ALL_OUTCOMES.filter((o) => o !== 'cancelled') });
 */
export const ALL_OUTCOMES: readonly PhaseOutcome[] = Object.freeze([
  'continue',
  'complete',
  'skipTo',
  'undeclaredSkipTo',
  'nonFatal',
  'paused',
  'cancelled',
  'fatal',
]);

export type { JobPathEvent } from './JobPathEvent.js';

/** One step: the event, and the machine's state value once it is taken. */
export interface JobPathStep {
  readonly event: JobPathEvent;
  readonly state: StateValue;
}

/** A path through a job's machine, from its start. Serializable: JSON, MessagePack or a test title. */
export interface JobPath {
  /** The events, one per arrow, e.g. `plan: continue → copy: fatal → copy: backoff elapsed → … ⇒ completed`. */
  readonly description: string;
  /** Job id and job input the machine is started with (`when` guards read the input). */
  readonly jobId: string;
  readonly input: unknown;
  /** Starts with `{ event: { type: 'xstate.init' }, state: <initial value> }`. */
  readonly steps: readonly JobPathStep[];
  /** The final state the path ends in, or `null` when it stops in a non-final state (`to: 'any'`). */
  readonly final: 'completed' | 'failed' | 'cancelled' | null;
}

/** How to model a job's environment: which events each state may receive. */
export interface JobEventOptions {
  /** Outcomes a phase's `execute` may have; a list for every phase, or per phase. Default: all. */
  readonly outcomes?: readonly PhaseOutcome[] | ((phase: string) => readonly PhaseOutcome[]);
  /** Control events an app may send while a phase runs, backs off, is paused or runs onSuccess. Default: all. */
  readonly controls?: readonly ControlEventType[] | ((phase: string) => readonly ControlEventType[]);
  /** Let `onSuccess`, `onFailure` and the job's `output()` throw too; `true`, `false`, or per hook. Default true. */
  readonly hookErrors?:
    | boolean
    | ((hook: 'onSuccess' | 'onFailure' | 'output', phase: string | null) => boolean);
  /** `NON_FATAL` events (`ctx.addNonFatalError`) a phase may send while it runs; a number, or per phase. Default 0. */
  readonly nonFatalEvents?: number | ((phase: string) => number);
  /**
   * Retries explored per phase: a fatal error that would start retry number `maxRetries + 1` is not offered.
   * Retries are bounded by each phase's `maxAttempts` anyway; this keeps big `maxAttempts` cheap. Default 2.
   */
  readonly maxRetries?: number;
}

/** Options of {@link jobPaths}. */
export interface JobPathsOptions extends JobEventOptions {
  /**
   * `transitions` (default): paths that together take every transition of the machine at least once — their
   * number grows roughly linearly with the phases. `simple`: every path that visits no state twice (grows
   * exponentially: narrow the model). `shortest`: one shortest path per end state.
   */
  readonly kind?: 'transitions' | 'simple' | 'shortest';
  /** End states: `final` (default) — completed, failed, cancelled; `any` — every reachable state. */
  readonly to?: 'final' | 'any';
  /** The job input the machine starts with; `when` guards are evaluated against it. Default `{}`. */
  readonly input?: unknown;
  /** Default `'job-under-test'`. */
  readonly jobId?: string;
  /**
   * Longest path followed, in events; longer ones are dropped (`simple`, `shortest`). `transitions` paths
   * take further untaken transitions only while they stay under it. Default 200.
   */
  readonly maxSteps?: number;
  /** More paths than this throws {@link PathLimitError}. Default 10 000. */
  readonly maxPaths?: number;
  /**
   * Bound on the walk of the state graph: examining more transitions (states × events offered) than this
   * throws {@link PathLimitError}. Default 200 000.
   */
  readonly maxTransitions?: number;
}

/**
 * A job's model has more paths or transitions than the limits allow: narrow the events or raise the limit.
 *
 * @example
 * expect(() => jobPaths(bigJob, { maxPaths: 5000 })).toThrow(PathLimitError);
 */
export class PathLimitError extends Error {
  override readonly name = 'PathLimitError';
  readonly job: string;
  readonly limit: 'maxPaths' | 'maxTransitions';

  constructor(job: string, limit: 'maxPaths' | 'maxTransitions', value: number) {
    super(
      `jobPaths("${job}"): more than ${value} ${limit === 'maxPaths' ? 'paths' : 'transitions'}. Narrow the model ` +
        '(outcomes or controls per phase, fewer maxRetries or nonFatalEvents, kind: "transitions" or ' +
        '"shortest") or raise ' +
        `${limit}.`,
    );
    this.job = job;
    this.limit = limit;
  }
}

type Snapshot = AnyMachineSnapshot & { context: JobMachineContext };

const FINAL = new Set(['completed', 'failed', 'cancelled']);
const NON_FATAL_MESSAGE = 'scripted addNonFatalError';

const errorOf = (kind: PhaseErrorKind, name: string, message: string) => ({ kind, name, message });
const done = (id: string, output: unknown): JobPathEvent => ({ type: `xstate.done.actor.${id}`, output });
const fail = (id: string, error: JobPathEvent['error']): JobPathEvent => ({
  type: `xstate.error.actor.${id}`,
  error,
});

/**
 * The events the job's machine can take in `snapshot`, under the model `options`: what the running phase,
 * its hooks, its backoff or the app could do next. Derived from the position (`snapshotPosition`) and the
 * job definition; empty in a final state. The building block of {@link jobPaths}; use it to drive a machine
 * with your own generator (e.g. fast-check).
 *
 * @example
 * const actor = createActor(compileJob(job).provide(…), { input: { jobId: 'j', input: {} } }).start();
 * const [first] = jobEvents(job, actor.getSnapshot(), { controls: [] });
 * actor.send(first); // { type: 'xstate.done.actor.execute-plan', output: { kind: 'continue' } }
 */
export function jobEvents(
  definition: JobDefinition,
  snapshot: AnyMachineSnapshot,
  options: JobEventOptions = {},
): JobPathEvent[] {
  if (snapshot.status !== 'active') return [];
  const { phase, step } = snapshotPosition(snapshot.value);
  const hookErrors = (hook: 'onSuccess' | 'onFailure' | 'output') =>
    typeof options.hookErrors === 'function' ? options.hookErrors(hook, phase) : (options.hookErrors ?? true);
  if (phase === null) {
    if (step !== 'finishing') return [];
    return [
      done('output', { output: null }),
      ...(hookErrors('output')
        ? [fail('output', errorOf('fatal', 'Error', 'scripted output() failure'))]
        : []),
    ];
  }
  const info = definition.byName.get(phase);
  if (!info) return [];
  const context = (snapshot as Snapshot).context;
  const controls = pick(options.controls, phase) ?? ['PAUSE', 'RESUME', 'CANCEL'];
  const control = (allowed: readonly ControlEventType[]): JobPathEvent[] => {
    const out: JobPathEvent[] = [];
    const offer = (type: ControlEventType) => allowed.includes(type) && controls.includes(type);
    if (offer('PAUSE') && context.interrupt === null) out.push({ type: 'PAUSE' });
    if (offer('RESUME') && (step === 'paused' || context.interrupt === 'pause')) out.push({ type: 'RESUME' });
    if (offer('CANCEL') && context.interrupt !== 'cancel') out.push({ type: 'CANCEL' });
    return out;
  };
  const p = info.phase;
  switch (step) {
    case 'running':
      return [
        ...outcomeEvents(definition, phase, context, options),
        ...control(['PAUSE', 'RESUME', 'CANCEL']),
      ];
    case 'retrying':
      return [done(`backoff-${phase}`, {}), ...control(['PAUSE', 'CANCEL'])];
    case 'paused':
      return control(['RESUME', 'CANCEL']);
    case 'succeeding':
      if (!p.onSuccess) return [];
      return [
        done(`onSuccess-${phase}`, undefined),
        ...(hookErrors('onSuccess')
          ? [fail(`onSuccess-${phase}`, errorOf('fatal', 'Error', 'scripted onSuccess failure'))]
          : []),
        ...control(['PAUSE', 'RESUME', 'CANCEL']),
      ];
    case 'failing':
      if (!p.onFailure) return [];
      return [
        done(`onFailure-${phase}`, undefined),
        ...(hookErrors('onFailure')
          ? [fail(`onFailure-${phase}`, errorOf('fatal', 'Error', 'scripted onFailure failure'))]
          : []),
      ];
    default:
      return [];
  }
}

function pick<T>(option: readonly T[] | ((phase: string) => readonly T[]) | undefined, phase: string) {
  return typeof option === 'function' ? option(phase) : option;
}

function outcomeEvents(
  definition: JobDefinition,
  phase: string,
  context: JobMachineContext,
  options: JobEventOptions,
): JobPathEvent[] {
  const info = definition.byName.get(phase)!;
  const outcomes = pick(options.outcomes, phase) ?? ALL_OUTCOMES;
  const id = `execute-${phase}`;
  const targets = info.phase.skipsTo ?? [];
  const events: JobPathEvent[] = [];
  for (const outcome of outcomes) {
    switch (outcome) {
      case 'continue':
      case 'complete':
        events.push(done(id, { kind: outcome }));
        break;
      case 'skipTo':
        for (const target of targets) events.push(done(id, { kind: 'skipTo', phase: target }));
        break;
      case 'undeclaredSkipTo':
        events.push(done(id, { kind: 'skipTo', phase: undeclaredTarget(definition, phase, targets) }));
        break;
      case 'nonFatal':
        events.push(fail(id, errorOf('nonFatal', 'NonFatalError', 'scripted non-fatal error')));
        break;
      case 'paused':
        events.push(fail(id, errorOf('paused', 'PausedError', 'The job was paused.')));
        break;
      case 'cancelled':
        events.push(fail(id, errorOf('cancelled', 'CancelledError', 'The job was cancelled.')));
        break;
      case 'fatal':
        if (
          fatalExplored(info.phase.recovery, context.history[info.index].attempts, options.maxRetries ?? 2)
        ) {
          events.push(fail(id, errorOf('fatal', 'FatalError', 'scripted fatal error')));
        }
        break;
    }
  }
  const nonFatals = context.errors.filter((e) => e.phase === phase && e.message === NON_FATAL_MESSAGE).length;
  const allowed =
    typeof options.nonFatalEvents === 'function' ? options.nonFatalEvents(phase) : options.nonFatalEvents;
  if (nonFatals < (allowed ?? 0)) {
    events.push({
      type: 'NON_FATAL',
      error: { kind: 'nonFatal', name: 'NonFatalError', message: NON_FATAL_MESSAGE, phase, at: 0 },
    });
  }
  return events;
}

/** A fatal error is explored unless it would start a retry beyond `maxRetries`. */
function fatalExplored(
  recovery: JobDefinition['phases'][number]['phase']['recovery'],
  attempts: number,
  maxRetries: number,
): boolean {
  if (recovery?.strategy !== 'restart-phase' && recovery?.strategy !== 'retry-from-checkpoint') return true;
  const wouldRetry = attempts < recovery.maxAttempts;
  return !wouldRetry || attempts - 1 < maxRetries;
}

/** A later phase the phase did not declare (the job's realistic mistake), else a name that is no phase. */
function undeclaredTarget(definition: JobDefinition, phase: string, targets: readonly string[]): string {
  const index = definition.byName.get(phase)!.index;
  const later = definition.phases.find((p) => p.index > index + 1 && !targets.includes(p.phase.name));
  return later?.phase.name ?? 'undeclared-phase';
}

/**
 * Enumerate paths through a job's machine, with `@xstate/graph`: the machine's real transition function,
 * fed the events {@link jobEvents} offers in each state (phase outcomes as `xstate.done.actor.*` /
 * `xstate.error.actor.*` events, hook and backoff completions, PAUSE / RESUME / CANCEL). States are told apart
 * by value and context (so a retry with one more attempt is a new state), and no timestamps are scripted:
 * history times stay `null`.
 *
 * `kind: 'transitions'` (default) gives paths that together take every transition at least once (see
 * {@link JobPathsOptions.kind}): a few dozen to a few hundred paths for a job of six phases with every
 * outcome, control event and hook error. `kind: 'simple'` gives every path that visits no state twice;
 * `kind: 'shortest'` one shortest path per end state (`getShortestPaths`). Simple paths walk `getAdjacencyMap`'s state graph depth-first — the same
 * paths as `getSimplePaths(machine, { toState })`, found in one walk instead of one per state, with `maxSteps`
 * and `maxPaths` checked as they are found. Drive each path through a real actor with `runPath`.
 *
 * @throws {PathLimitError} when the model has more than `maxPaths` paths or `maxTransitions` transitions.
 *
 * @example
 * const paths = jobPaths(backupJob, { input: { dryRun: false }, controls: ['CANCEL'] });
 * for (const path of paths) {
 *   it(path.description, () => {
 *     const result = runPath(backupJob, path);
 *     expect(result.context.status).toBe(path.final);
 *   });
 * }
 */
export function jobPaths(definition: JobDefinition, options: JobPathsOptions = {}): JobPath[] {
  const machine = compileJob(definition);
  const jobId = options.jobId ?? 'job-under-test';
  const input = options.input ?? {};
  const maxTransitions = options.maxTransitions ?? 200_000;
  const maxPaths = options.maxPaths ?? 10_000;
  const maxSteps = options.maxSteps ?? 200;
  const traversal = {
    input: { jobId, input },
    events: (s: AnyMachineSnapshot) => jobEvents(definition, s, options) as never,
    limit: maxTransitions,
  };
  const isEnd = (s: AnyMachineSnapshot) => options.to === 'any' || s.status === 'done';
  let raw: RawPath[];
  try {
    const kind = options.kind ?? 'transitions';
    raw =
      kind === 'transitions'
        ? transitionPaths(definition, machine, {
            jobId,
            input,
            events: (s) => jobEvents(definition, s, options),
            to: options.to ?? 'final',
            maxSteps,
            maxPaths,
            maxTransitions,
            limitError: (limit, value) => new PathLimitError(definition.name, limit, value),
          })
        : kind === 'shortest'
          ? shortestPaths(machine, options.to === 'any' ? traversal : { ...traversal, toState: isEnd })
          : simplePaths(machine, traversal, { isEnd, maxSteps, maxPaths, job: definition.name });
  } catch (error) {
    if (error instanceof Error && error.message === 'Traversal limit exceeded') {
      throw new PathLimitError(definition.name, 'maxTransitions', maxTransitions);
    }
    throw error;
  }
  raw = raw.filter((p) => p.steps.length <= maxSteps);
  if (raw.length > maxPaths) throw new PathLimitError(definition.name, 'maxPaths', maxPaths);
  return raw.map((p) => toJobPath(p, jobId, input));
}

function shortestPaths(machine: JobMachine, traversal: object): RawPath[] {
  // getShortestPaths reports each step as (state reached, event that led there), from `xstate.init`.
  return getShortestPaths(machine, traversal).map((p) => ({
    state: p.state,
    steps: p.steps.slice(1).map((s, i) => ({ state: p.steps[i].state, event: s.event as JobPathEvent })),
  }));
}

/**
 * The path a given sequence of events takes through a job's machine (computed with XState's pure
 * `transition`), to replay with `runPath`: a regression scenario, or a counterexample a property test found.
 * An event the state does not take leaves it where it is.
 *
 * @example
 * const path = pathFromEvents(backupJob, [
 *   { type: 'xstate.error.actor.execute-copy', error: { kind: 'fatal', name: 'FatalError', message: 'disk' } },
 *   { type: 'PAUSE' },
 *   { type: 'RESUME' },
 * ]);
 * runPath(backupJob, path);
 */
export function pathFromEvents(
  definition: JobDefinition,
  events: readonly JobPathEvent[],
  options: { readonly input?: unknown; readonly jobId?: string } = {},
): JobPath {
  const machine = compileJob(definition);
  const jobId = options.jobId ?? 'job-under-test';
  const input = options.input ?? {};
  let [snapshot] = initialTransition(machine, { jobId, input });
  const steps: RawPath['steps'] = [];
  for (const event of events) {
    steps.push({ state: snapshot, event });
    [snapshot] = transition(machine, snapshot, event as never);
  }
  return toJobPath({ steps, state: snapshot }, jobId, input);
}

/** Depth-first over the state graph: each path to an end state that repeats no state. */
function simplePaths(
  machine: JobMachine,
  traversal: object,
  limits: { isEnd: (s: AnyMachineSnapshot) => boolean; maxSteps: number; maxPaths: number; job: string },
): RawPath[] {
  const adjacency = getAdjacencyMap(machine, traversal) as Record<
    string,
    {
      state: AnyMachineSnapshot;
      transitions: Record<string, { event: JobPathEvent; state: AnyMachineSnapshot }>;
    }
  >;
  // Serialize each state once: the walk below revisits states many times.
  const keys = new Map<AnyMachineSnapshot, string>();
  for (const [key, node] of Object.entries(adjacency)) keys.set(node.state, key);
  const graph = new Map(
    Object.entries(adjacency).map(([key, node]) => [
      key,
      {
        state: node.state,
        edges: Object.values(node.transitions).map(({ event, state }) => ({
          event,
          to: keys.get(state) ?? serializeSnapshot(state),
        })),
      },
    ]),
  );
  const paths: RawPath[] = [];
  const onPath = new Set<string>();
  const steps: RawPath['steps'] = [];
  const visit = (key: string) => {
    const node = graph.get(key)!;
    if (limits.isEnd(node.state)) {
      if (paths.length >= limits.maxPaths) throw new PathLimitError(limits.job, 'maxPaths', limits.maxPaths);
      paths.push({ steps: [...steps], state: node.state });
    }
    if (steps.length >= limits.maxSteps) return;
    onPath.add(key);
    for (const { event, to } of node.edges) {
      if (onPath.has(to) || !graph.has(to)) continue;
      steps.push({ state: node.state, event });
      visit(to);
      steps.pop();
    }
    onPath.delete(key);
  };
  visit(Object.keys(adjacency)[0]);
  return paths;
}

function toJobPath(raw: RawPath, jobId: string, input: unknown): JobPath {
  const initial = raw.steps[0]?.state ?? raw.state;
  const steps: JobPathStep[] = [{ event: { type: 'xstate.init' }, state: initial.value }];
  const labels: string[] = [];
  raw.steps.forEach((step, i) => {
    const after = raw.steps[i + 1]?.state ?? raw.state;
    steps.push({ event: step.event, state: after.value });
    labels.push(describeEvent(step.event, snapshotPosition(step.state.value).phase));
  });
  const end = snapshotPosition(raw.state.value).step;
  const final = raw.state.status === 'done' && FINAL.has(end) ? (end as JobPath['final']) : null;
  const where = final ?? JSON.stringify(raw.state.value);
  return { description: `${labels.join(' → ') || '(start)'} ⇒ ${where}`, jobId, input, steps, final };
}

/**
 * A short label for an event, given the phase the job was in: what path descriptions are made of.
 *
 * @example
 * describeEvent({ type: 'xstate.error.actor.execute-copy', error }, 'copy'); // 'copy: fatal'
 * describeEvent({ type: 'PAUSE' }, 'copy'); // 'copy: PAUSE'
 */
export function describeEvent(event: JobPathEvent, phase: string | null): string {
  const match = /^xstate\.(done|error)\.actor\.(execute|backoff|onSuccess|onFailure|output)-?(.*)$/.exec(
    event.type,
  );
  const at = phase ?? 'job';
  if (!match) return event.type === 'NON_FATAL' ? `${at}: addNonFatalError` : `${at}: ${event.type}`;
  const [, kind, what, name] = match;
  const output = event.output as { kind?: string; phase?: string } | undefined;
  switch (what) {
    case 'execute':
      if (kind === 'error') return `${name}: ${event.error?.kind}`;
      return `${name}: ${output?.kind === 'skipTo' ? `skipTo(${output.phase})` : output?.kind}`;
    case 'backoff':
      return `${name}: backoff elapsed`;
    case 'output':
      return kind === 'done' ? 'output()' : 'output() threw';
    default:
      return `${name}: ${what} ${kind === 'done' ? 'done' : 'threw'}`;
  }
}
