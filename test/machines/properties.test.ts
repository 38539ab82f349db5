import { decode, encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnyMachineSnapshot, createActor, fromPromise, transition } from 'xstate';
import { compileJob } from '../../src/machines/compileJob.js';
import { snapshotPosition } from '../../src/machines/snapshotPosition.js';
import type { JobMachineContext } from '../../src/machines/types.js';
import { defineJob } from '../../src/phases/defineJob.js';
import { group } from '../../src/phases/group.js';
import { Continue } from '../../src/phases/outcomes.js';
import { phase } from '../../src/phases/phase.js';
import { type JobPathEvent, jobEvents, type PhaseOutcome } from '../../src/testing/jobPaths.js';
import type { Invocation } from '../../src/testing/runPath.js';
import { historyProblems, type ObservedRun } from '../testing/historyInvariants.js';

const run = async () => Continue;
const hook = async () => {};

const job = defineJob({
  name: 'props',
  version: 1,
  initialState: () => ({}),
  phases: [
    phase({
      name: 'plan',
      skipsTo: ['report'],
      recovery: { strategy: 'restart-phase', maxAttempts: 3 },
      execute: run,
      onSuccess: hook,
    }),
    phase({ name: 'optional', when: (input: { optional: boolean }) => input.optional, execute: run }),
    group('transfer', [
      phase({ name: 'copy', recovery: { strategy: 'retry-from-checkpoint', maxAttempts: 2 }, execute: run }),
      phase({ name: 'verify', recovery: { strategy: 'restart-phase', maxAttempts: 3 }, execute: run }),
    ]),
    phase({ name: 'cleanup', recovery: { strategy: 'skip-phase' }, execute: run, onFailure: hook }),
    phase({ name: 'report', execute: run, onSuccess: hook, onFailure: hook }),
  ],
});

/** Started actors are recorded here, with the index of the move that started them. */
let recording: { log: Invocation[]; step: number } | null = null;
const never = (actor: Invocation['actor']) =>
  fromPromise<never, Record<string, unknown>>(({ input }) => {
    recording?.log.push({ actor, input: { ...input }, step: recording.step });
    return new Promise<never>(() => {});
  });
/** The real machine; its phase, hook, backoff and output actors never settle: only our events move it. */
const machine = compileJob(job).provide({
  actors: {
    runPhase: never('runPhase'),
    runHook: never('runHook'),
    sleepUntil: never('sleepUntil'),
    finalize: never('finalize'),
  } as never,
});

/**
 * A move: what happens next to whatever runs now (a phase outcome, a hook or output() throwing, a NON_FATAL),
 * or an app's control event. A move the current state cannot take becomes the success of whatever runs (a
 * phase's `continue`, a hook's or backoff's end); in `paused` it is nothing.
 */
type Kind = PhaseOutcome | 'hookError' | 'addNonFatal';
type Move = { readonly kind: Kind } | { readonly control: 'PAUSE' | 'RESUME' | 'CANCEL' };
const kind = (k: Kind, weight: number) => ({ weight, arbitrary: fc.constant<Move>({ kind: k }) });
const control = (c: 'PAUSE' | 'RESUME' | 'CANCEL', weight: number) => ({
  weight,
  arbitrary: fc.constant<Move>({ control: c }),
});
const moveArb: fc.Arbitrary<Move> = fc.oneof(
  kind('continue', 10),
  kind('fatal', 4),
  ...(
    [
      'complete',
      'skipTo',
      'undeclaredSkipTo',
      'nonFatal',
      'paused',
      'cancelled',
      'hookError',
      'addNonFatal',
    ] as const
  ).map((k) => kind(k, 1)),
  // Controls often, so they land in every state: running, retrying, paused, succeeding, failing, finishing, done.
  control('PAUSE', 5),
  control('RESUME', 5),
  control('CANCEL', 1),
);
const scenarioArb = fc.record({
  optional: fc.boolean(),
  moves: fc.array(moveArb, { maxLength: 40, size: 'max' }),
});

function eventFor(snapshot: AnyMachineSnapshot, move: Move): JobPathEvent | undefined {
  if ('control' in move) return { type: move.control };
  const events = jobEvents(job, snapshot, { controls: [], nonFatalEvents: 3, maxRetries: 5 });
  const matching = events.find((event) => {
    const output = event.output as { kind?: string; phase?: string } | undefined;
    switch (move.kind) {
      case 'hookError':
        return /^xstate\.error\.actor\.(onSuccess|onFailure|output)/.test(event.type);
      case 'addNonFatal':
        return event.type === 'NON_FATAL';
      case 'skipTo':
      case 'undeclaredSkipTo': {
        if (output?.kind !== 'skipTo') return false;
        const declared = job.byName.get(snapshotPosition(snapshot.value).phase ?? '')?.phase.skipsTo ?? [];
        return declared.includes(output.phase!) === (move.kind === 'skipTo');
      }
      default:
        return output?.kind === move.kind || event.error?.kind === move.kind;
    }
  });
  return matching ?? events[0];
}

/** What the phase, hooks and backoff do when nothing goes wrong, to bring any state to an end. */
function happyEvent(snapshot: AnyMachineSnapshot): JobPathEvent | undefined {
  const { phase: name, step } = snapshotPosition(snapshot.value);
  if (step === 'finishing') return { type: 'xstate.done.actor.output', output: { output: null } };
  if (name === null) return undefined;
  switch (step) {
    case 'running':
      return { type: `xstate.done.actor.execute-${name}`, output: { kind: 'continue' } };
    case 'paused':
      return { type: 'RESUME' };
    case 'retrying':
      return { type: `xstate.done.actor.backoff-${name}`, output: {} };
    case 'succeeding':
      return { type: `xstate.done.actor.onSuccess-${name}` };
    case 'failing':
      return { type: `xstate.done.actor.onFailure-${name}` };
    default:
      return undefined;
  }
}

interface Drive {
  readonly observed: ObservedRun;
  /** How many snapshots with status `done` the actor emitted. */
  readonly finals: number;
  /** Events sent after the job was done, each checked not to change it. */
  readonly afterDone: number;
  readonly persisted: unknown;
}

/**
 * Drive a real actor with `moves` then, if `finish`, with happy events until the job ends. From move `fork`
 * on, the actor is replaced by one restored from a MessagePack round trip of its persisted snapshot.
 */
function drive(
  optional: boolean,
  moves: readonly Move[],
  options: { finish?: boolean; fork?: number } = {},
): Drive {
  const input = { jobId: 'property', input: { optional } };
  const log: Invocation[] = [];
  const events: { event: JobPathEvent; phase: string | null }[] = [];
  let finals = 0;
  let afterDone = 0;
  const watch = (actor: ReturnType<typeof createActor<typeof machine>>) => {
    actor.subscribe({
      next: (s) => {
        if (s.status === 'done') finals++;
      },
      error: (error) => {
        throw error;
      },
    });
    return actor;
  };
  let actor = watch(createActor(machine, { input }));
  recording = { log, step: 0 };
  actor.start();
  recording = null;
  if (actor.getSnapshot().status === 'done') finals = 1;

  const step = (event: JobPathEvent) => {
    const before = actor.getSnapshot();
    if (before.status === 'done') {
      // Nothing may move a finished job: check with the pure transition (a stopped actor ignores events).
      const [after] = transition(machine, before, event as never);
      expect(after.value).toEqual(before.value);
      expect(after.context).toEqual(before.context);
      expect(after.status).toBe('done');
      afterDone++;
      return;
    }
    events.push({ event, phase: snapshotPosition(before.value).phase });
    recording = { log, step: events.length };
    actor.send(event as never);
    recording = null;
    expect(actor.getSnapshot().status).not.toBe('error');
  };

  moves.forEach((move, i) => {
    if (i === options.fork) {
      const persisted = actor.getPersistedSnapshot();
      const restored = decode(encode(persisted, { ignoreUndefined: true }));
      const copy = createActor(machine, { snapshot: restored as never, input });
      const seen = finals;
      actor.stop();
      actor = watch(copy);
      copy.start();
      finals = seen; // a restored final snapshot is the same final, not a second one
      expect(copy.getSnapshot().value).toEqual(actor.getSnapshot().value);
    }
    const event = eventFor(actor.getSnapshot(), move);
    if (event) step(event);
  });
  if (options.finish) {
    for (let i = 0; i < 200 && actor.getSnapshot().status !== 'done'; i++) {
      const event = happyEvent(actor.getSnapshot());
      if (!event) break;
      step(event);
    }
    // Once done, more events change nothing.
    step({ type: 'xstate.done.actor.execute-plan', output: { kind: 'continue' } });
    step({ type: 'RESUME' });
    step({ type: 'CANCEL' });
  }
  const snapshot = actor.getSnapshot();
  const persisted = actor.getPersistedSnapshot();
  actor.stop();
  return {
    observed: {
      events,
      status: snapshot.status,
      value: snapshot.value,
      context: snapshot.context as JobMachineContext,
      invocations: log,
    },
    finals,
    afterDone,
    persisted,
  };
}

/** A deep copy without `undefined` properties, which MessagePack drops. */
function plain(value: unknown): unknown {
  return decode(encode(value, { ignoreUndefined: true }));
}

describe('job machine properties over random outcomes and PAUSE / RESUME / CANCEL', () => {
  it('reaches exactly one final state once the phases go on succeeding, and never leaves it', () => {
    fc.assert(
      fc.property(scenarioArb, ({ optional, moves }) => {
        const { observed, finals, afterDone } = drive(optional, moves, { finish: true });
        expect(observed.status).toBe('done');
        expect(['completed', 'failed', 'cancelled']).toContain(observed.value);
        expect(observed.context.status).toBe(observed.value);
        expect(finals).toBe(1);
        expect(afterDone).toBeGreaterThanOrEqual(3);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps a history consistent with the events that drove it', () => {
    fc.assert(
      fc.property(scenarioArb, fc.boolean(), ({ optional, moves }, finish) => {
        const { observed } = drive(optional, moves, { finish });
        expect(historyProblems(job, observed)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('restores a snapshot taken at any point through MessagePack to an equal snapshot', () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), ({ optional, moves }, at) => {
        const cut = moves.length === 0 ? 0 : at % (moves.length + 1);
        const { persisted } = drive(optional, moves.slice(0, cut));
        const bytes = encode(persisted, { ignoreUndefined: true });
        const restored = createActor(machine, {
          snapshot: decode(bytes) as never,
          input: { jobId: 'property', input: { optional } },
        });
        restored.start();
        expect(plain(restored.getPersistedSnapshot())).toEqual(plain(persisted));
        expect(restored.getSnapshot().value).toEqual((persisted as { value: unknown }).value);
        restored.stop();
      }),
      { numRuns: 200 },
    );
  });

  it('goes on from a restored snapshot exactly as the original would have', () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), ({ optional, moves }, at) => {
        const fork = moves.length === 0 ? 0 : at % moves.length;
        const straight = drive(optional, moves, { finish: true });
        const forked = drive(optional, moves, { finish: true, fork });
        expect(plain(forked.persisted)).toEqual(plain(straight.persisted));
        expect(forked.finals).toBe(1);
      }),
      { numRuns: 100 },
    );
  });
});
