import {
  assign,
  type EventObject,
  fromCallback,
  fromPromise,
  type StateMachine,
  setup,
  spawnChild,
  stopChild,
} from 'xstate';
import { markShared } from '../persistence/sharedValues.js';
import { backoffDelay } from '../phases/backoffDelay.js';
import type { JobDefinition } from '../phases/defineJob.js';
import { errorKind, errorRecord } from '../phases/errorRecord.js';
import { isGroup } from '../phases/group.js';
import type { Backoff, ErrorRecord, PhaseNode } from '../phases/types.js';
import {
  ended,
  initialHistory,
  keptRecord,
  started,
  updateHistory,
  updateHistoryAt,
} from './historyUpdates.js';
import { MissingRuntimeError } from './MissingRuntimeError.js';
import type {
  FinalizeOutput,
  JobMachineContext,
  JobMachineEvent,
  JobMachineInput,
  JobMachineOutput,
  RunHookInput,
  RunPhaseInput,
  RunPhaseOutput,
} from './types.js';
import { MAX_KEPT_ERRORS } from './types.js';

const cache = new WeakMap<JobDefinition, Built>();

/**
 * Compile a job definition into a plain XState v5 machine. The states are the phases (each a compound state
 * `entering → running | paused | retrying | succeeding | failing`), groups are compound states around their
 * phases, and the job ends in `completed`, `failed` or `cancelled`. Built once per definition and cached.
 * A phase that continues while nothing is asked, has no `onSuccess` and is followed by a phase without `when`
 * goes straight to the next phase's `running` in one step, with the snapshot the way through `succeeding` and
 * `entering` would give ({@link compileJobStepByStep} is that way, for tests).
 *
 * A phase's `execute` is started by the `execute` action of its `running` state, and its outcome arrives as the
 * event an invoked actor `execute-<phase>` would send (`xstate.done.actor.execute-<phase>`,
 * `xstate.error.actor.execute-<phase>`): the phases run in one actor for the job's whole run, the `runner`,
 * which also starts the phase a restored snapshot stands in. (An invoked actor per phase cost more than XState's
 * own transition.)
 *
 * The machine is pure: its actors `runner`, `runHook`, `sleepUntil`, `finalize` and its actions
 * `execute`/`persist`/`abortPhase` are placeholders until a runtime provides them (`runJob` does; to embed the
 * machine in your own, use `provideRuntime`); without one, the first phase fails with `MissingRuntimeError`. A
 * driver of its own provides the `execute` action (a `runPhase` actor, as before the runner, runs no phase).
 * Reading the time is the runtime's job too: timestamps arrive on events.
 */
export function compileJob<S, I, D, O>(definition: JobDefinition<S, I, D, O>): JobMachine<I, O> {
  let machine = cache.get(definition);
  if (!machine) {
    machine = buildMachine(definition, true);
    cache.set(definition, machine);
  }
  // The one place the machine learns the job's input and output types: its context holds the input as given.
  return machine as unknown as JobMachine<I, O>;
}

/**
 * The machine without its straight transitions (a phase that continues goes through `succeeding` and the next
 * phase's `entering`, three steps): what the straight ones must be equivalent to. For tests. @internal
 */
export function compileJobStepByStep<S, I, D, O>(definition: JobDefinition<S, I, D, O>): JobMachine<I, O> {
  return buildMachine(definition, false) as unknown as JobMachine<I, O>;
}

type Built = ReturnType<typeof buildMachine>;
/** The type arguments XState inferred for the built machine: its actors, actions, guards, children. */
type BuiltArgs =
  Built extends StateMachine<
    any,
    any,
    infer TChildren,
    infer TActor,
    infer TAction,
    infer TGuard,
    infer TDelay,
    infer TStateValue,
    infer TTag,
    any,
    any,
    infer TEmitted,
    infer TMeta,
    infer TStateSchema
  >
    ? {
        children: TChildren;
        actor: TActor;
        action: TAction;
        guard: TGuard;
        delay: TDelay;
        stateValue: TStateValue;
        tag: TTag;
        emitted: TEmitted;
        meta: TMeta;
        schema: TStateSchema;
      }
    : never;

/**
 * A job's compiled XState machine: input {@link JobMachineInput}`<I>`, output {@link JobMachineOutput}`<O>`, and
 * the events {@link JobMachineEvent} (an app sends {@link JobControlEvent}: `PAUSE`, `RESUME`, `CANCEL`). What
 * `compileJob` and `provideRuntime` return; embed it with `setup({ actors: { job: machine } })`. `E` widens the
 * events for drivers that play the machine's own events too (`scriptedMachine` in `phasekit/testing`).
 */
export interface JobMachine<I = unknown, O = unknown, E extends EventObject = JobMachineEvent>
  extends StateMachine<
    // The context's input stays `unknown`: a context typed by `I` would make the machine invariant in `I`.
    JobMachineContext,
    E,
    BuiltArgs['children'],
    BuiltArgs['actor'],
    BuiltArgs['action'],
    BuiltArgs['guard'],
    BuiltArgs['delay'],
    BuiltArgs['stateValue'],
    BuiltArgs['tag'],
    JobMachineInput<I>,
    JobMachineOutput<O>,
    BuiltArgs['emitted'],
    BuiltArgs['meta'],
    BuiltArgs['schema']
  > {}

type Ctx = JobMachineContext;
/**
 * How the actions read an event: XState's done and error events of the invoked actors carry `output` and
 * `error`, which the machine's declared events (what an app may send) do not list.
 */
type AnyEvent = {
  type: string;
  output?: (Partial<RunPhaseOutput> & { readonly output?: unknown }) | undefined;
  error?: { readonly at?: number; readonly startedAt?: number } | undefined;
  at?: number;
};

/** Time carried by the event that caused a transition, if any. */
function eventAt(event: AnyEvent): number | null {
  const at =
    event.output?.at ?? event.error?.at ?? event.at ?? (event as { input?: { now?: number } }).input?.now;
  return typeof at === 'number' ? at : null;
}

function buildMachine(definition: JobDefinition, straight: boolean) {
  const order = definition.phases.map((info) => info.phase.name);
  // Every run starts from the same frozen pending entries (a new list of them): frozen is for ever, so their
  // checkpoint bytes are encoded once for all the runs of this machine, not once per run (see encodeBody).
  const pending = initialHistory(order);
  markShared(pending);
  const indexOf = (name: string) => definition.byName.get(name)!.index;
  const between = (from: string, to: string | null) =>
    order.slice(indexOf(from) + 1, to === null ? order.length : indexOf(to));
  const phaseOf = (name: string) => definition.byName.get(name)!.phase;

  const machineSetup = setup({
    types: {} as {
      context: JobMachineContext;
      input: JobMachineInput;
      output: JobMachineOutput;
      events: JobMachineEvent;
    },
    actors: {
      // Runs nothing here: the runtime's runner starts the phase a restored snapshot stands in (see `execute`).
      runner: fromCallback(() => {}),
      // Checkpoints written before phases were executed by the runner hold a running phase as an invoked
      // `execute-<phase>` actor of this source: embedded parents restore it as such, and it reports as it did.
      runPhase: fromPromise<RunPhaseOutput, RunPhaseInput>(async ({ input }) => {
        throw new MissingRuntimeError(definition.name, input.phase);
      }),
      runHook: fromPromise<{ at?: number }, RunHookInput>(async ({ input }) => {
        throw new MissingRuntimeError(definition.name, input.phase);
      }),
      sleepUntil: fromPromise<{ at?: number }, { until: number }>(async () => {
        throw new MissingRuntimeError(definition.name, undefined);
      }),
      finalize: fromPromise<FinalizeOutput, { jobId: string }>(async () => {
        throw new MissingRuntimeError(definition.name, undefined);
      }),
    },
    guards: {
      phaseDisabled: ({ context }, params: { phase: string }) => {
        const when = phaseOf(params.phase).when;
        return when !== undefined && !when(context.input as never);
      },
      pauseRequested: ({ context }) => context.interrupt === 'pause',
      goesStraightOn: ({ context, event }) =>
        (event as AnyEvent).output?.kind === 'continue' && context.interrupt === null,
      cancelRequested: ({ context }) => context.interrupt === 'cancel',
      outputIs: ({ event }, params: { kind: string }) => (event as AnyEvent).output?.kind === params.kind,
      skipDeclared: ({ event }, params: { targets: readonly string[] }) => {
        const output = (event as AnyEvent).output;
        return (
          output?.kind === 'skipTo' && output.phase !== undefined && params.targets.includes(output.phase)
        );
      },
      errorIs: ({ event }, params: { kind: string }) => errorKind((event as AnyEvent).error) === params.kind,
      canRetry: ({ context }, params: { phase: string; maxAttempts: number }) =>
        context.history[indexOf(params.phase)].attempts < params.maxAttempts,
      nextIs: ({ context }, params: { target: string | null; via: string }) => context.next === params.target,
      failureIsCancel: ({ context }) => context.failure?.kind === 'cancelled',
      retryDue: ({ context }) => context.retryAt !== null,
    },
    actions: {
      // Starts a phase's `execute`; it reports as an invoked `execute-<phase>` actor would (see `running`).
      execute: ({ self }, input: RunPhaseInput) => {
        queueMicrotask(() =>
          self.send({
            type: `xstate.error.actor.execute-${input.phase}`,
            error: new MissingRuntimeError(definition.name, input.phase),
          } as never),
        );
      },
      persist: () => {},
      abortPhase: () => {},
      prepareRetry: (_: unknown, _params: { reset: 'phase-start' | 'checkpoint' }) => {},
      markRetrying: assign(({ context }, params: { phase: string }) => ({
        interrupt: null,
        history: updateHistory(context.history, [params.phase], (e) => ({
          ...e,
          status: 'running' as const,
        })),
      })),
      startPhase: assign(({ context, event }, params: { phase: string }) => ({
        retryAt: null,
        history: updateHistory(context.history, [params.phase], (e) => started(e, eventAt(event))),
      })),
      resumePhase: assign(({ context, event }, params: { phase: string }) => ({
        interrupt: null,
        reset: null,
        // A phase paused before it ever ran starts its first attempt now; otherwise resuming is no new attempt.
        history: updateHistory(context.history, [params.phase], (e) =>
          e.attempts === 0 ? started(e, eventAt(event)) : { ...e, status: 'running' as const },
        ),
      })),
      markPaused: assign(({ context, event }, params: { phase: string }) => ({
        interrupt: null,
        history: updateHistory(context.history, [params.phase], (e) => ended(e, 'paused', eventAt(event))),
      })),
      skip: assign(({ context, event }, params: { phases: readonly string[] }) => ({
        history: updateHistory(context.history, params.phases, (e) =>
          ended(e, 'skipped', eventAt(event), null),
        ),
      })),
      complete: assign(({ context, event }, params: { phase: string; skipped: readonly string[] }) => {
        const at = eventAt(event);
        const began = context.phaseStartedAt ?? null;
        let history = updateHistory(context.history, [params.phase], (e) =>
          ended({ ...e, startedAt: e.startedAt ?? began }, 'completed', at),
        );
        history = updateHistory(history, params.skipped, (e) => ended(e, 'skipped', at, null));
        return { history, next: null, reset: null, phaseStartedAt: null };
      }),
      // What setNext, complete and the next phase's startPhase do, in one step (see `straightOn` below).
      advance: assign(({ context, event }, params: { phase: string; next: string }) => {
        const at = eventAt(event);
        const began = (event as AnyEvent).output?.startedAt;
        const startedAt = typeof began === 'number' ? began : null;
        const phases = [params.phase, params.next];
        const history = updateHistoryAt(
          context.history,
          [indexOf(params.phase), indexOf(params.next)],
          phases,
          (e) =>
            e.phase === params.phase
              ? ended({ ...e, startedAt: e.startedAt ?? startedAt }, 'completed', at)
              : started(e, at),
        );
        return { history, next: null, reset: null, phaseStartedAt: null, retryAt: null };
      }),
      setNext: assign(({ event }, params: { phase: string; next: string | null }) => {
        const output = (event as AnyEvent).output as RunPhaseOutput | undefined;
        const error = (event as AnyEvent).error as { startedAt?: number } | undefined;
        const began = output?.startedAt ?? error?.startedAt;
        const phaseStartedAt = typeof began === 'number' ? began : null;
        if (output?.kind === 'skipTo') return { next: output.phase, phaseStartedAt };
        if (output?.kind === 'complete') return { next: null, phaseStartedAt };
        return { next: params.next, phaseStartedAt };
      }),
      recordPhaseError: assign(
        ({ context, event }, params: { phase: string; status: 'completed' | 'failed' }) => {
          const at = eventAt(event) ?? 0;
          const record = keptRecord(errorRecord((event as AnyEvent).error, params.phase, at));
          return {
            history: updateHistory(context.history, [params.phase], (e) =>
              params.status === 'failed' ? ended(e, 'failed', at, record) : { ...e, error: record },
            ),
            errors: context.errors.length < MAX_KEPT_ERRORS ? [...context.errors, record] : context.errors,
            errorCount: context.errorCount + 1,
          };
        },
      ),
      recordNonFatal: assign(({ context, event }) => ({
        errors:
          context.errors.length < MAX_KEPT_ERRORS
            ? [
                ...context.errors,
                // A copy: the event's record is the sender's object, the frozen one is the context's.
                keptRecord({ ...(event as Extract<JobMachineEvent, { type: 'NON_FATAL' }>).error }),
              ]
            : context.errors,
        errorCount: context.errorCount + 1,
      })),
      fail: assign(({ context, event }, params: { phase: string | null }) => {
        const at = eventAt(event) ?? 0;
        const record = errorRecord((event as AnyEvent).error, params.phase, at);
        const began = (event as AnyEvent).error?.startedAt;
        return {
          failure: record,
          history:
            params.phase === null
              ? context.history
              : updateHistory(context.history, [params.phase], (e) =>
                  ended(
                    { ...e, startedAt: e.startedAt ?? (typeof began === 'number' ? began : null) },
                    'failed',
                    at,
                    record,
                  ),
                ),
        };
      }),
      failCheckpoint: assign(({ context, event }) => {
        const e = event as { error?: ErrorRecord; at?: number };
        const record: ErrorRecord = e.error ?? {
          kind: 'fatal',
          name: 'CheckpointError',
          message: 'A checkpoint could not be written.',
          phase: null,
          at: e.at ?? 0,
        };
        const phase = record.phase;
        return {
          failure: record,
          interrupt: null,
          history:
            phase === null || !context.history.some((h) => h.phase === phase)
              ? context.history
              : updateHistory(context.history, [phase], (h) =>
                  h.status === 'completed' || h.status === 'skipped'
                    ? h
                    : ended(h, 'failed', record.at, record),
                ),
        };
      }),
      failInvalidOutput: assign(
        ({ context, event }, params: { phase: string; targets: readonly string[] }) => {
          const at = eventAt(event) ?? 0;
          const output = (event as AnyEvent).output;
          const message =
            output?.kind === 'skipTo'
              ? `Phase "${params.phase}" returned skipTo("${output.phase}"), which it did not declare; declared targets: ${params.targets.length ? params.targets.join(', ') : 'none'}. Add it to the phase's skipsTo.`
              : `Phase "${params.phase}" returned ${JSON.stringify(output)}; return Continue, Complete or skipTo(name).`;
          const record: ErrorRecord = {
            kind: 'fatal',
            name: 'InvalidPhaseOutputError',
            message,
            phase: params.phase,
            at,
          };
          return {
            failure: record,
            history: updateHistory(context.history, [params.phase], (e) => ended(e, 'failed', at, record)),
          };
        },
      ),
      cancel: assign(({ context, event }, params: { phase: string | null }) => {
        const at = eventAt(event) ?? 0;
        const record: ErrorRecord = {
          kind: 'cancelled',
          name: 'CancelledError',
          message: 'The job was cancelled.',
          phase: params.phase,
          at,
        };
        return {
          interrupt: null,
          failure: record,
          history:
            params.phase === null
              ? context.history
              : updateHistory(context.history, [params.phase], (e) => ended(e, 'failed', at, record)),
        };
      }),
      requestPause: assign({
        interrupt: ({ context }) => (context.interrupt === 'cancel' ? 'cancel' : 'pause'),
      }),
      requestCancel: assign({ interrupt: 'cancel' as const }),
      withdrawPause: assign({
        interrupt: ({ context }) => (context.interrupt === 'pause' ? null : context.interrupt),
      }),
      scheduleRetry: assign(
        ({ context, event }, params: { phase: string; strategy: string; backoff: Backoff | null }) => {
          const at = eventAt(event) ?? 0;
          const attempts = context.history[indexOf(params.phase)].attempts;
          return {
            retryAt: at + backoffDelay(params.backoff ?? undefined, attempts),
            reset: params.strategy === 'restart-phase' ? ('phase-start' as const) : ('checkpoint' as const),
          };
        },
      ),
      setOutput: assign({ output: ({ event }) => (event as AnyEvent).output?.output }),
      setStatus: assign((_, params: { status: 'completed' | 'failed' | 'cancelled' }) => ({
        status: params.status,
      })),
    },
  });

  const phaseState = (name: string): Record<string, unknown> => {
    const info = definition.byName.get(name)!;
    const phase = info.phase;
    const nextName = order[info.index + 1] ?? null;
    const targetOf = (t: string | null) => (t === null ? '#finishing' : `#${t}`);
    const targets = phase.skipsTo ?? [];
    const goNext = (to: string | null) => ({
      target: targetOf(to),
      actions: { type: 'complete', params: { phase: name, skipped: between(name, to) } },
    });
    const routes = [
      ...[...new Set([nextName, ...targets])]
        .filter((t) => t !== null)
        .map((t) => ({
          guard: { type: 'nextIs', params: { target: t, via: t === nextName ? 'continue' : `skipTo(${t})` } },
          ...goNext(t),
        })),
      { guard: { type: 'nextIs', params: { target: null, via: 'complete' } }, ...goNext(null) },
    ];
    const endRoutes = [{ guard: 'failureIsCancel', target: '#cancelled' }, { target: '#failed' }];
    const recovery = phase.recovery ?? { strategy: 'abort' as const };
    const onError: unknown[] = [
      { guard: 'cancelRequested', target: 'failing', actions: { type: 'cancel', params: { phase: name } } },
      {
        guard: { type: 'errorIs', params: { kind: 'nonFatal' } },
        target: 'succeeding',
        actions: [
          { type: 'recordPhaseError', params: { phase: name, status: 'completed' } },
          { type: 'setNext', params: { phase: name, next: nextName } },
        ],
      },
      { guard: { type: 'errorIs', params: { kind: 'paused' } }, target: 'paused' },
      {
        guard: { type: 'errorIs', params: { kind: 'cancelled' } },
        target: 'failing',
        actions: { type: 'cancel', params: { phase: name } },
      },
    ];
    if (recovery.strategy === 'restart-phase' || recovery.strategy === 'retry-from-checkpoint') {
      onError.push({
        guard: { type: 'canRetry', params: { phase: name, maxAttempts: recovery.maxAttempts } },
        target: 'retrying',
        actions: [
          {
            type: 'scheduleRetry',
            params: { phase: name, strategy: recovery.strategy, backoff: recovery.backoff ?? null },
          },
          // The state goes back now, so a checkpoint taken while waiting (a pause) holds what the retry starts from.
          {
            type: 'prepareRetry',
            params: { reset: recovery.strategy === 'restart-phase' ? 'phase-start' : 'checkpoint' },
          },
        ],
      });
    }
    if (recovery.strategy === 'skip-phase') {
      onError.push({
        target: targetOf(nextName),
        actions: { type: 'recordPhaseError', params: { phase: name, status: 'failed' } },
      });
    } else {
      onError.push({ target: 'failing', actions: { type: 'fail', params: { phase: name } } });
    }
    // The common case in one step: the phase continues, nothing is asked, no onSuccess hook runs and the next
    // phase has no `when` — straight into the next phase's `running`, with the same context the three steps
    // through `succeeding` and `entering` give (test/machines/straightTransition.test.ts).
    const straightOn =
      straight && nextName !== null && !phase.onSuccess && !phaseOf(nextName).when
        ? [
            {
              guard: 'goesStraightOn',
              target: `#${nextName}.running`,
              actions: { type: 'advance', params: { phase: name, next: nextName } },
            },
          ]
        : [];
    const onControl = {
      PAUSE: { actions: 'requestPause' },
      RESUME: { actions: 'withdrawPause' },
      CANCEL: { actions: ['requestCancel', 'abortPhase'] },
    };
    return {
      id: name,
      initial: 'entering',
      states: {
        entering: {
          always: [
            ...(phase.when
              ? [
                  {
                    guard: { type: 'phaseDisabled', params: { phase: name } },
                    target: targetOf(nextName),
                    actions: { type: 'skip', params: { phases: [name] } },
                  },
                ]
              : []),
            {
              guard: 'cancelRequested',
              target: '#cancelled',
              actions: { type: 'cancel', params: { phase: null } },
            },
            { guard: 'pauseRequested', target: 'paused' },
            { target: 'running', actions: { type: 'startPhase', params: { phase: name } } },
          ],
        },
        // The phase's `execute` is started by the `execute` action, not invoked: one invoked actor per phase cost
        // twice XState's own transition. Its outcome comes back as the events an invoked `execute-<name>` actor
        // sends, `xstate.done.actor.execute-<name>` / `xstate.error.actor.execute-<name>`.
        running: {
          // The invoked `execute-<name>` of a snapshot of an earlier version goes as the invoke's would.
          exit: stopChild(`execute-${name}`),
          entry: {
            type: 'execute',
            params: ({ context }: { context: Ctx }) => ({
              jobId: context.jobId,
              phase: name,
              attempt: context.history[info.index].attempts,
              reset: context.reset,
            }),
          },
          on: {
            ...onControl,
            [`xstate.done.actor.execute-${name}`]: [
              ...straightOn,
              {
                guard: { type: 'outputIs', params: { kind: 'continue' } },
                target: 'succeeding',
                actions: { type: 'setNext', params: { phase: name, next: nextName } },
              },
              {
                guard: { type: 'outputIs', params: { kind: 'complete' } },
                target: 'succeeding',
                actions: { type: 'setNext', params: { phase: name, next: null } },
              },
              ...(targets.length
                ? [
                    {
                      guard: { type: 'skipDeclared', params: { targets } },
                      target: 'succeeding',
                      actions: { type: 'setNext', params: { phase: name, next: nextName } },
                    },
                  ]
                : []),
              { target: 'failing', actions: { type: 'failInvalidOutput', params: { phase: name, targets } } },
            ],
            [`xstate.error.actor.execute-${name}`]: onError,
          },
        },
        paused: {
          entry: [{ type: 'markPaused', params: { phase: name } }, 'persist'],
          on: {
            RESUME: [
              // Paused while waiting for a retry: wait out what is left of the backoff (the deadline is absolute).
              {
                guard: 'retryDue',
                target: 'retrying',
                actions: { type: 'markRetrying', params: { phase: name } },
              },
              { target: 'running', actions: { type: 'resumePhase', params: { phase: name } } },
            ],
            CANCEL: { target: 'failing', actions: { type: 'cancel', params: { phase: name } } },
          },
        },
        retrying: {
          // The wait is checkpointed (its absolute deadline, the attempt count, the state the retry starts from):
          // a stop or crash during the backoff resumes into it and waits only what is left.
          entry: 'persist',
          invoke: {
            id: `backoff-${name}`,
            src: 'sleepUntil',
            input: ({ context }: { context: Ctx }) => ({ until: context.retryAt ?? 0 }),
            onDone: [
              { guard: 'pauseRequested', target: 'paused' },
              { target: 'running', actions: { type: 'startPhase', params: { phase: name } } },
            ],
          },
          on: {
            PAUSE: { target: 'paused' },
            CANCEL: { target: 'failing', actions: { type: 'cancel', params: { phase: name } } },
          },
        },
        succeeding: phase.onSuccess
          ? {
              invoke: {
                id: `onSuccess-${name}`,
                src: 'runHook',
                input: ({ context }: { context: Ctx }) => ({
                  jobId: context.jobId,
                  phase: name,
                  hook: 'onSuccess',
                }),
                onDone: routes,
                onError: [
                  {
                    guard: 'cancelRequested',
                    target: 'failing',
                    actions: { type: 'cancel', params: { phase: name } },
                  },
                  { target: 'failing', actions: { type: 'fail', params: { phase: name } } },
                ],
              },
              on: onControl,
            }
          : { always: routes },
        failing: phase.onFailure
          ? {
              invoke: {
                id: `onFailure-${name}`,
                src: 'runHook',
                input: ({ context }: { context: Ctx }) => ({
                  jobId: context.jobId,
                  phase: name,
                  hook: 'onFailure',
                  error: context.failure,
                }),
                onDone: endRoutes,
                onError: endRoutes,
              },
            }
          : { always: endRoutes },
      },
    };
  };

  const nodeStates = (nodes: readonly PhaseNode[]): Record<string, unknown> =>
    Object.fromEntries(
      nodes.map((node) =>
        isGroup(node)
          ? [
              node.name,
              { id: node.name, initial: firstName(node.phases[0]), states: nodeStates(node.phases) },
            ]
          : [node.name, phaseState(node.name)],
      ),
    );

  return machineSetup.createMachine({
    // `job:` keeps the root id apart from every phase and group id (names cannot hold a colon), so a phase may
    // bear its job's name (`delete` → `deleting` is no longer forced).
    id: machineIdOf(definition.name),
    initial: firstName(definition.tree[0]),
    context: ({ input }: { input: JobMachineInput }) => ({
      jobId: input.jobId,
      input: input.input,
      history: pending.slice(),
      errors: [],
      errorCount: 0,
      interrupt: null,
      next: null,
      failure: null,
      retryAt: null,
      reset: null,
      phaseStartedAt: null,
      status: 'active',
      output: undefined,
    }),
    // One actor for the job's whole run: restored from a checkpoint, it starts the phase the job stood in.
    // The ids typed as `string`: a literal id gives the machine's children type a `runner` key its index type
    // does not cover, which a consumer's `skipLibCheck: false` refuses (test/package/consumerTypes.test.ts).
    invoke: { id: 'runner' as string, src: 'runner' },
    on: {
      NON_FATAL: { actions: 'recordNonFatal' },
      // The runtime could not write a checkpoint (state that cannot be encoded, a store that refuses): the job
      // fails with that error as data, wherever it stands.
      CHECKPOINT_FAILED: { target: '.failed', actions: 'failCheckpoint' },
      // A job restored from a snapshot written before the runner: it gets one, so its next snapshots hold it.
      RUNNER: { actions: spawnChild('runner', { id: 'runner' as string }) },
    },
    states: {
      ...(nodeStates(definition.tree) as {}),
      finishing: {
        id: 'finishing',
        invoke: {
          id: 'output',
          src: 'finalize',
          input: ({ context }: { context: Ctx }) => ({ jobId: context.jobId }),
          onDone: { target: 'completed', actions: 'setOutput' },
          onError: { target: 'failed', actions: { type: 'fail', params: { phase: null } } },
        },
      },
      completed: {
        id: 'completed',
        type: 'final',
        entry: [{ type: 'setStatus', params: { status: 'completed' } }, 'persist'],
      },
      failed: {
        id: 'failed',
        type: 'final',
        entry: [{ type: 'setStatus', params: { status: 'failed' } }, 'persist'],
      },
      cancelled: {
        id: 'cancelled',
        type: 'final',
        entry: [{ type: 'setStatus', params: { status: 'cancelled' } }, 'persist'],
      },
    },
    output: ({ context }: { context: Ctx }) => ({
      status: context.status as 'completed' | 'failed' | 'cancelled',
      output: context.output,
      history: context.history,
      errors: context.errors,
      errorCount: context.errorCount,
      failure: context.failure,
    }),
  });
}

/** The root state id of a job's machine. */
export function machineIdOf(jobName: string): string {
  return `job:${jobName}`;
}

function firstName(node: PhaseNode): string {
  return node.name;
}
