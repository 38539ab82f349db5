import type { StateValue } from 'xstate';
import type { JobMachineContext } from '../../src/machines/types.js';
import type { JobDefinition } from '../../src/phases/defineJob.js';
import type { JobPath, JobPathEvent } from '../../src/testing/jobPaths.js';
import type { Invocation, RunPathResult } from '../../src/testing/runPath.js';

/** What a run did: the events sent (in order, each with the phase the job was in) and where it ended. */
export interface ObservedRun {
  readonly events: readonly { readonly event: JobPathEvent; readonly phase: string | null }[];
  readonly status: 'active' | 'done' | string;
  readonly value: StateValue;
  readonly context: JobMachineContext;
  /** Actor starts, with the index (1-based, into `events`) of the event that caused them; 0 = the start. */
  readonly invocations?: readonly Invocation[];
}

const FINAL = ['completed', 'failed', 'cancelled'];

/** The run of `runPath` along `path`, as an {@link ObservedRun}. */
export function observedPath(path: JobPath, result: RunPathResult): ObservedRun {
  const events = path.steps
    .slice(1)
    .map((step, i) => ({ event: step.event, phase: phaseOf(path.steps[i].state) }));
  return {
    events,
    status: result.status,
    value: result.value,
    context: result.context,
    invocations: result.invocations,
  };
}

function phaseOf(value: StateValue): string | null {
  let node: unknown = value;
  let parent: string | null = null;
  while (node && typeof node === 'object') {
    parent = Object.keys(node)[0];
    node = (node as Record<string, unknown>)[parent];
  }
  return parent;
}

/**
 * Everything wrong with a run's history, given the events that drove it (empty when it is consistent):
 * the machine's bookkeeping must agree with what the phases, hooks and the app actually did.
 */
export function historyProblems(definition: JobDefinition, run: ObservedRun): string[] {
  const problems: string[] = [];
  const { context } = run;
  const history = context.history;
  const order = definition.phases.map((p) => p.phase.name);
  if (history.map((h) => h.phase).join() !== order.join()) {
    problems.push(`history lists ${history.map((h) => h.phase).join()} instead of ${order.join()}`);
    return problems;
  }
  const events = run.events.map((e, i) => ({ ...e, index: i + 1, ...parse(e.event) }));
  const cancels = events.filter((e) => e.event.type === 'CANCEL').length;

  // Phases run forward only.
  let last = -1;
  for (const e of events) {
    if (e.actor !== 'execute') continue;
    const index = definition.byName.get(e.phase!)!.index;
    if (index < last) problems.push(`${e.phase} ran after a later phase (event ${e.index})`);
    last = Math.max(last, index);
  }

  for (const info of definition.phases) {
    const name = info.phase.name;
    const h = history[info.index];
    const mine = events.filter((e) => e.phase === name && e.actor !== null);
    const executes = mine.filter((e) => e.actor === 'execute');
    const fatals = executes.filter((e) => e.event.error?.kind === 'fatal').length;
    const runs = (run.invocations ?? []).filter((i) => i.actor === 'runPhase' && i.input.phase === name);
    const recovery = info.phase.recovery;
    const retries = recovery?.strategy === 'restart-phase' || recovery?.strategy === 'retry-from-checkpoint';
    const maxAttempts = retries ? recovery.maxAttempts : 1;
    const where = `phase ${name} (${h.status}, attempts ${h.attempts})`;

    if (h.attempts > maxAttempts) problems.push(`${where}: more attempts than maxAttempts ${maxAttempts}`);
    if (fatals > maxAttempts)
      problems.push(`${where}: failed ${fatals} times, but maxAttempts is ${maxAttempts}`);
    if (fatals > h.attempts)
      problems.push(`${where}: failed ${fatals} times in ${h.attempts} counted attempts`);

    if (h.status === 'pending' || h.status === 'skipped') {
      if (mine.length > 0) problems.push(`${where}: has events ${mine.map((e) => e.event.type).join(', ')}`);
      if (h.attempts !== 0) problems.push(`${where}: never ran but counts attempts`);
      if (runs.length > 0) problems.push(`${where}: never ran but runPhase started ${runs.length} times`);
    }
    if (h.status === 'completed') {
      const end = executes.at(-1);
      const succeeded =
        end !== undefined &&
        (end.kind === 'done' ? end.event.output !== undefined : end.event.error?.kind === 'nonFatal');
      if (!succeeded) problems.push(`${where}: completed without a successful run`);
      if (
        info.phase.onSuccess &&
        !mine.some((e) => e.actor === 'onSuccess' && e.kind === 'done' && e.index > (end?.index ?? 0))
      ) {
        problems.push(`${where}: completed, but its onSuccess never finished`);
      }
      if (h.error !== null && h.error.kind !== 'nonFatal')
        problems.push(`${where}: completed with a ${h.error.kind} error`);
    }
    if (h.status === 'failed') {
      if (h.error === null) problems.push(`${where}: failed without an error`);
      else if (
        h.error.kind === 'cancelled' &&
        cancels === 0 &&
        !executes.some((e) => e.event.error?.kind === 'cancelled')
      ) {
        problems.push(`${where}: cancelled, but nothing cancelled it`);
      }
    }
    // A retry is a new attempt that starts from the reset state (phase start or last checkpoint).
    for (let k = 1; k < runs.length; k++) {
      const before = executes.filter((e) => e.index <= runs[k].step).at(-1);
      if (before?.event.error?.kind !== 'fatal') continue;
      const { attempt, reset } = runs[k].input as { attempt: number; reset: string | null };
      const previous = (runs[k - 1].input as { attempt: number }).attempt;
      if (attempt !== previous + 1 || reset === null) {
        problems.push(
          `${where}: the run after fatal event ${before.index} is attempt ${attempt} with reset ${reset}; ` +
            `expected attempt ${previous + 1} with a reset`,
        );
      }
    }
  }

  for (const e of context.errors) {
    const recovery = e.phase ? definition.byName.get(e.phase)?.phase.recovery : undefined;
    if (e.kind !== 'nonFatal' && !(e.kind === 'fatal' && recovery?.strategy === 'skip-phase')) {
      problems.push(
        `errors holds a ${e.kind} error of ${e.phase}: only non-fatal and skipped-phase errors belong there`,
      );
    }
  }
  if (context.errorCount !== context.errors.length) problems.push('errorCount differs from errors.length');

  if (run.status === 'done') {
    const end = typeof run.value === 'string' ? run.value : JSON.stringify(run.value);
    if (!FINAL.includes(end)) problems.push(`done in a non-final state ${end}`);
    if (context.status !== end) problems.push(`final state ${end} but context.status ${context.status}`);
    const open = history.filter((h) => h.status === 'running' || h.status === 'paused');
    if (open.length)
      problems.push(`ended with phases still ${open.map((h) => `${h.phase}:${h.status}`).join(', ')}`);
    const firstPending = history.findIndex((h) => h.status === 'pending');
    if (firstPending >= 0 && history.slice(firstPending).some((h) => h.status !== 'pending')) {
      problems.push(
        `a phase after pending ${history[firstPending].phase} has run: ${history.map((h) => h.status).join(',')}`,
      );
    }
    if (end === 'completed') {
      if (context.failure !== null) problems.push(`completed with failure ${context.failure.message}`);
      if (events.at(-1)?.event.type !== 'xstate.done.actor.output')
        problems.push('completed without output()');
    }
    if (end === 'failed' && (context.failure === null || context.failure.kind === 'cancelled')) {
      problems.push(`failed with failure ${JSON.stringify(context.failure)}`);
    }
    if (end === 'cancelled') {
      if (context.failure?.kind !== 'cancelled')
        problems.push(`cancelled with failure ${JSON.stringify(context.failure)}`);
      if (cancels === 0 && !events.some((e) => e.event.error?.kind === 'cancelled')) {
        problems.push('cancelled, but no CANCEL was sent and no phase threw CancelledError');
      }
    }
  } else if (context.status !== 'active') {
    problems.push(`not done, but context.status is ${context.status}`);
  }
  return problems;
}

function parse(event: JobPathEvent): {
  actor: string | null;
  phase: string | null;
  kind: 'done' | 'error' | null;
} {
  const match = /^xstate\.(done|error)\.actor\.(execute|backoff|onSuccess|onFailure)-(.+)$/.exec(event.type);
  if (!match) return { actor: null, phase: null, kind: null };
  return { actor: match[2], phase: match[3], kind: match[1] as 'done' | 'error' };
}
