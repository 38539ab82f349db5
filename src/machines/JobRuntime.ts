import { Subject } from 'rxjs';
import { type AnyActorRef, fromPromise } from 'xstate';
import { encodeEnvelope } from '../persistence/encodeEnvelope.js';
import { decodeEnvelope } from '../persistence/decodeEnvelope.js';
import { ENVELOPE_FORMAT, type Envelope } from '../persistence/Envelope.js';
import type { JobMeta, JobStatus, SnapshotStore } from '../persistence/types.js';
import type { JobDefinition } from '../phases/defineJob.js';
import { errorRecord } from '../phases/errorRecord.js';
import {
  CancelledError,
  FatalError,
  NonFatalError,
  PausedError,
  type PhaseError,
} from '../phases/PhaseError.js';
import type {
  AtomicOperation,
  CheckpointOptions,
  Clock,
  ErrorRecord,
  Logger,
  PhaseContext,
  PhaseExecution,
  ProgressUpdate,
} from '../phases/types.js';
import type { JobEvent } from './JobProgress.js';
import { ProgressTracker } from './ProgressTracker.js';
import { initialHistory } from './historyUpdates.js';
import { snapshotPosition } from './snapshotPosition.js';
import type {
  FinalizeOutput,
  JobMachineContext,
  RunHookInput,
  RunPhaseInput,
  RunPhaseOutput,
} from './types.js';

/** What every runtime needs; `runJob`, `resumeJob` and `provideRuntime` take these. */
export interface RuntimeOptions<D = unknown> {
  /** Where checkpoints go. */
  readonly store: SnapshotStore;
  /** The app's dependencies handed to every phase as `ctx.deps`. */
  readonly deps?: D;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Minimum ms between two `ctx.checkpoint()` writes that are not forced. Default 1000. */
  readonly minCheckpointIntervalMs?: number;
  /** Checkpoint at every phase boundary. Default true. */
  readonly boundaryCheckpoints?: boolean;
  /** Minimum ms between two progress reports. Default 100. */
  readonly progressIntervalMs?: number;
}

/** Where a runtime starts from. */
export interface RuntimeStart<S, I> {
  readonly jobId: string;
  readonly input: I;
  readonly state: S;
  readonly phaseStartState?: S;
  readonly elapsedMs?: number;
  /** True when starting from a checkpoint just loaded. */
  readonly restored?: boolean;
  /** Skip the checkpoint at the first phase start: the checkpoint just loaded is that very state. */
  readonly skipFirstBoundary?: boolean;
}

type JobSnapshot = { value: unknown; status: string; context: JobMachineContext };

/**
 * The side of a job that touches the world: it runs phase code against the job's state, writes checkpoints
 * to the store, and reports progress and events. The machine stays pure; the runtime is plugged into it as
 * its `runPhase`, `runHook`, `sleepUntil` and `finalize` actors and its `persist` and `abortPhase` actions.
 */
export class JobRuntime<S = unknown, I = unknown, D = unknown, O = unknown> {
  readonly jobId: string;
  readonly input: I;
  state: S;
  readonly progress: ProgressTracker;
  readonly events$ = new Subject<JobEvent>();
  /** The job actor, known once started (or once its first phase ran, when embedded). */
  job: AnyActorRef | undefined;
  private phaseStartState: S | undefined;
  private lastCheckpointBytes: Uint8Array | undefined;
  private lastCheckpointAt = Number.NEGATIVE_INFINITY;
  private saving: Promise<void> = Promise.resolve();
  private saveError: unknown;
  private skipNextBoundary: boolean;
  private readonly restored: boolean;
  private abort = new AbortController();
  private previous: JobSnapshot | undefined;
  private readonly weights: number[];
  private readonly minInterval: number;
  private readonly boundaries: boolean;

  constructor(
    readonly definition: JobDefinition<S, I, D, O>,
    readonly options: RuntimeOptions<D>,
    start: RuntimeStart<S, I>,
  ) {
    this.jobId = start.jobId;
    this.input = start.input;
    this.state = start.state;
    this.phaseStartState = start.phaseStartState;
    this.skipNextBoundary = start.skipFirstBoundary ?? start.restored === true;
    this.restored = start.restored === true;
    this.weights = definition.phases.map((p) => p.phase.weight ?? 1);
    this.minInterval = options.minCheckpointIntervalMs ?? 1000;
    this.boundaries = options.boundaryCheckpoints ?? true;
    this.progress = new ProgressTracker(
      this.jobId,
      this.weights,
      options.clock,
      options.progressIntervalMs ?? 100,
      start.elapsedMs ?? 0,
    );
  }

  /**
   * The actors and actions to `machine.provide()`, bound to this runtime. For embedding, where someone else
   * creates the job actor; `runJob` and `resumeJob` use `runnableMachine`, provided once per definition.
   */
  implementations() {
    return implementationsFor(() => this);
  }

  /** Called by the `persist` action: write a checkpoint once the machine's step is done. @internal */
  persistSoon(): void {
    // Inside an action the actor's snapshot is not yet the new one: write once the step is done.
    queueMicrotask(() => {
      this.checkpoint({ force: true }).catch((error) => {
        this.saveError ??= error;
      });
    });
  }

  /** Called by the `abortPhase` action. @internal */
  abortPhase(): void {
    this.abort.abort(new CancelledError(undefined, { jobId: this.jobId }));
  }

  /** Called by the `finalize` actor. @internal */
  finalize(): FinalizeOutput {
    return { output: this.definition.output(this.state, this.input), at: this.options.clock.now() };
  }

  /**
   * Attach to the job actor: follow its snapshots for events and progress. `runJob` binds before starting
   * the actor; an embedded machine is bound late, by its first phase actor.
   */
  bind(job: AnyActorRef, late = true): void {
    if (this.job === job) return;
    this.job = job;
    job.subscribe({ next: (snapshot: unknown) => this.onSnapshot(snapshot as JobSnapshot), error: () => {} });
    if (late) this.onSnapshot(job.getSnapshot() as JobSnapshot);
  }

  /** Resolves when every checkpoint asked for so far is written; rejects with the first write error. */
  async settled(): Promise<void> {
    await this.saving;
    // A persist action may have queued a write in a microtask that has not run yet.
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    await this.saving;
    if (this.saveError) throw this.saveError;
  }

  private snapshot(): JobSnapshot {
    return this.job!.getSnapshot() as JobSnapshot;
  }

  /** Called by the `runPhase` actor. @internal */
  async runPhase(input: RunPhaseInput, self: AnyActorRef): Promise<RunPhaseOutput> {
    this.bind(parentOf(self));
    // Let the job's own step finish so its snapshot shows this phase running.
    await Promise.resolve();
    const info = this.definition.byName.get(input.phase)!;
    const clock = this.options.clock;
    this.restoreFor(input);
    const restored = this.skipNextBoundary;
    this.skipNextBoundary = false;
    if (input.attempt <= 1 && !restored && info.phase.recovery?.strategy === 'restart-phase') {
      this.phaseStartState = structuredClone(this.state);
    }
    if (this.boundaries && !restored) await this.checkpoint({ force: true });
    const ctx = this.context(input.phase, input.attempt);
    try {
      const output = await info.phase.execute(ctx);
      if (!output || typeof output !== 'object')
        return { kind: String(output) as 'continue', at: clock.now() };
      return { ...output, at: clock.now() };
    } catch (error) {
      throw this.stamp(error, input.phase);
    }
  }

  /** Called by the `runHook` actor. @internal */
  async runHook(input: RunHookInput, self: AnyActorRef): Promise<void> {
    this.bind(parentOf(self));
    const phase = this.definition.byName.get(input.phase)!.phase;
    const ctx = this.context(input.phase, 0);
    try {
      if (input.hook === 'onSuccess') await phase.onSuccess?.(ctx);
      else await phase.onFailure?.(ctx, phaseErrorOf(input.error ?? null, input.phase, this.jobId));
    } catch (error) {
      throw this.stamp(error, input.phase);
    }
  }

  /** Called by the `sleepUntil` actor. @internal */
  sleepUntil(until: number, signal: AbortSignal): Promise<{ at: number }> {
    const clock = this.options.clock;
    return new Promise((resolve) => {
      const wait = Math.max(0, until - clock.now());
      const handle = clock.setTimeout(() => resolve({ at: clock.now() }), wait);
      signal.addEventListener('abort', () => clock.clearTimeout(handle), { once: true });
    });
  }

  /** Put `state` back where a retry must start from. */
  private restoreFor(input: RunPhaseInput): void {
    if (input.attempt <= 1 || input.reset === null) return;
    this.resetState(input.reset);
  }

  /** Called by the `prepareRetry` action and before a retry runs: state back to the phase start or checkpoint. @internal */
  resetState(reset: 'phase-start' | 'checkpoint'): void {
    if (reset === 'phase-start' && this.phaseStartState !== undefined) {
      this.state = structuredClone(this.phaseStartState);
    } else if (reset === 'checkpoint' && this.lastCheckpointBytes) {
      this.state = this.decode(this.lastCheckpointBytes).state;
    }
  }

  private decode(bytes: Uint8Array): Envelope<S> {
    const d = this.definition;
    return decodeEnvelope(bytes, {
      name: d.name,
      version: d.version,
      migrations: d.migrations,
      jobId: this.jobId,
    }) as Envelope<S>;
  }

  /** Attach the time and the phase to a thrown value, keeping its kind. */
  private stamp(error: unknown, phase: string): unknown {
    const at = this.options.clock.now();
    if (error && typeof error === 'object') {
      try {
        Object.assign(error, { at, phase: (error as { phase?: string }).phase ?? phase });
        return error;
      } catch {
        // frozen: fall through to a copy
      }
    }
    return { ...errorRecord(error, phase, at) };
  }

  /** Write a checkpoint of the machine and the state now. */
  async checkpoint(opts: CheckpointOptions = {}): Promise<void> {
    const clock = this.options.clock;
    const now = clock.now();
    if (!opts.force && !opts.atomicWith && now - this.lastCheckpointAt < this.minInterval) return;
    if (!this.job) {
      opts.atomicWith?.();
      return;
    }
    this.lastCheckpointAt = now;
    const snapshot = this.snapshot();
    const position = snapshotPosition(snapshot.value);
    const context = snapshot.context;
    const info = position.phase ? this.definition.byName.get(position.phase) : undefined;
    const p = this.progress.current();
    const envelope: Envelope<S> = {
      format: ENVELOPE_FORMAT,
      job: {
        name: this.definition.name,
        version: this.definition.version,
        phases: this.definition.phases.map((x) => x.phase.name),
      },
      jobId: this.jobId,
      input: this.input,
      machine: this.job.getPersistedSnapshot(),
      state: this.state,
      ...(info?.phase.recovery?.strategy === 'restart-phase' && this.phaseStartState !== undefined
        ? { phaseStartState: this.phaseStartState }
        : {}),
      history: context.history,
      errors: context.errors,
      progress: {
        phase: p.phase,
        phasePercent: p.phasePercent,
        overallPercent: p.overallPercent,
        completed: p.completed,
        total: p.total,
        ...(p.bytesCompleted !== undefined
          ? { bytesCompleted: p.bytesCompleted, bytesTotal: p.bytesTotal }
          : {}),
        message: p.message,
        elapsedMs: p.elapsedMs,
      },
      createdAt: now,
    };
    const bytes = encodeEnvelope(envelope);
    const meta: JobMeta = {
      name: this.definition.name,
      version: this.definition.version,
      status: statusOf(snapshot),
      phase: position.phase ?? lastPhase(context.history),
      percent: p.overallPercent,
      errorsCount: context.errorCount,
      error: context.failure?.message ?? null,
      input: this.input,
      updatedAt: now,
    };
    const write = this.saving.then(() =>
      this.options.store.save(
        this.jobId,
        bytes,
        meta,
        opts.atomicWith ? { atomicWith: opts.atomicWith } : undefined,
      ),
    );
    this.saving = write.catch(() => {});
    await write;
    this.lastCheckpointBytes = bytes;
    this.events$.next({
      type: 'checkpointed',
      jobId: this.jobId,
      at: now,
      phase: meta.phase,
      bytes: bytes.byteLength,
    });
    // A store that writes synchronously (SQLite) resolves in a microtask: give the host a turn, so signals
    // (Ctrl-C), progress timers and I/O callbacks run between a phase's batches.
    await yieldToHost();
  }

  /** The `ctx` handed to a phase. */
  private context(phaseName: string, attempt: number): PhaseContext<S, I, D> {
    const rt = this;
    const progress = this.progress;
    const log = (level: 'info' | 'error', message: string, fields?: Record<string, unknown>) =>
      this.options.logger?.log(level, message, { jobId: this.jobId, phase: phaseName, ...fields });
    return {
      get state() {
        return rt.state;
      },
      set state(value: S) {
        rt.state = value;
      },
      input: this.input,
      deps: this.options.deps as D,
      jobId: this.jobId,
      phaseName,
      attempt,
      signal: this.abort.signal,
      clock: this.options.clock,
      checkInterrupt: () => {
        const interrupt = rt.job ? (rt.snapshot().context.interrupt ?? null) : null;
        if (interrupt === 'cancel' || rt.abort.signal.aborted) {
          throw new CancelledError(undefined, { phase: phaseName, jobId: rt.jobId });
        }
        if (interrupt === 'pause') throw new PausedError(undefined, { phase: phaseName, jobId: rt.jobId });
      },
      checkpoint: (opts?: CheckpointOptions) => rt.checkpoint(opts),
      log: (message, fields) => log('info', message, fields),
      logError: (message, fields) => log('error', message, fields),
      addNonFatalError: (error: unknown, details?: Record<string, unknown>) => {
        const record = errorRecord(error, phaseName, rt.options.clock.now());
        const withDetails: ErrorRecord = {
          ...record,
          kind: 'nonFatal',
          ...(details ? { details: { ...record.details, ...details } } : {}),
        };
        rt.job?.send({ type: 'NON_FATAL', error: withDetails });
      },
      get errors() {
        return rt.job ? rt.snapshot().context.errors : [];
      },
      reportProgress: (update: ProgressUpdate) => {
        if (update.message !== undefined) progress.message = update.message;
        if (update.percent !== undefined) progress.explicitPercent = update.percent;
        if (update.completed !== undefined) progress.completed = update.completed;
        if (update.total !== undefined) progress.total = update.total;
        if (update.bytesCompleted !== undefined) progress.bytesCompleted = update.bytesCompleted;
        if (update.bytesTotal !== undefined) progress.bytesTotal = update.bytesTotal;
        progress.touch();
      },
      atomicOperationComplete: (completed: number, total: number) => {
        progress.completed = completed;
        progress.total = total;
        progress.touch();
      },
      atomic: (name: string, total: number): AtomicOperation => {
        let done = 0;
        progress.total = total;
        return {
          name,
          total,
          increment: (n = 1) => {
            done += n;
            progress.completed = done;
            progress.touch();
          },
          progress: () => done,
        };
      },
    };
  }

  /** Turn snapshot changes into lifecycle events and progress. */
  private onSnapshot(next: JobSnapshot): void {
    const previous = this.previous;
    this.previous = next;
    const at = this.options.clock.now();
    const ctx = next.context;
    const progress = this.progress;
    const jobId = this.jobId;
    if (!previous) {
      this.events$.next({
        type: this.restored ? 'resumed' : 'started',
        jobId,
        at,
        phase: snapshotPosition(next.value).phase,
      });
    }
    // A fresh run is diffed against an all-pending history, so its first phase reports phaseStarted.
    const before =
      previous?.context.history ??
      (this.restored ? ctx.history : initialHistory(ctx.history.map((h) => h.phase)));
    if (before !== ctx.history) {
      for (let i = 0; i < ctx.history.length; i++) {
        const was = before[i];
        const after = ctx.history[i];
        if (was === after) continue;
        const e = { jobId, at, phase: after.phase, attempt: after.attempts };
        if (after.status === 'running' && (was.status !== 'running' || was.attempts !== after.attempts)) {
          if (was.status === 'paused') this.events$.next({ type: 'resumed', jobId, at, phase: after.phase });
          this.events$.next({ type: 'phaseStarted', ...e });
          progress.enterPhase(after.phase, i, this.doneWeight(ctx.history));
        } else if (after.status === 'completed' && was.status !== 'completed') {
          this.events$.next({ type: 'phaseCompleted', ...e });
        } else if (after.status === 'skipped' && was.status !== 'skipped') {
          this.events$.next({ type: 'phaseSkipped', ...e });
        } else if (after.status === 'failed' && was.status !== 'failed') {
          this.events$.next({ type: 'phaseFailed', ...e });
        } else if (after.status === 'paused' && was.status !== 'paused') {
          progress.status = 'paused';
          this.events$.next({ type: 'paused', jobId, at, phase: after.phase });
          progress.flush();
        }
      }
      if (progress.status === 'paused' && snapshotPosition(next.value).step === 'running')
        progress.status = 'running';
    }
    if (!previous && this.restored && snapshotPosition(next.value).step === 'running') {
      const phase = snapshotPosition(next.value).phase!;
      const index = this.definition.byName.get(phase)!.index;
      progress.enterPhase(phase, index, this.doneWeight(ctx.history));
    }
    if (ctx.errorCount !== progress.errorsCount) {
      for (const error of ctx.errors.slice(progress.errorsCount)) {
        this.events$.next({ type: 'nonFatalError', jobId, at, phase: error.phase, message: error.message });
      }
      progress.errorsCount = ctx.errorCount;
      progress.touch();
    }
    if (next.status === 'done' && previous?.status !== 'done') {
      const status = ctx.status as 'completed' | 'failed' | 'cancelled';
      progress.status = status;
      progress.doneWeight = this.doneWeight(ctx.history);
      this.events$.next({
        type: status,
        jobId,
        at,
        phase: lastPhase(ctx.history),
        ...(ctx.failure ? { error: ctx.failure.message } : {}),
      });
    }
  }

  private doneWeight(history: readonly PhaseExecution[]): number {
    let sum = 0;
    for (let i = 0; i < history.length; i++) {
      const s = history[i].status;
      if (s === 'completed' || s === 'skipped' || s === 'failed') sum += this.weights[i];
    }
    return sum;
  }
}

/** Let the event loop run its macrotasks once (setImmediate where there is one). */
function yieldToHost(): Promise<void> {
  return new Promise((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : globalThis.setTimeout(resolve, 0),
  );
}

/**
 * The actors and actions of the job machine, finding their runtime with `find(jobActor)`.
 */
export function implementationsFor(find: (job: AnyActorRef) => JobRuntime<any, any, any, any>) {
  return {
    actors: {
      runPhase: fromPromise<RunPhaseOutput, RunPhaseInput>(async ({ input, self }) => {
        const job = parentOf(self);
        return find(job).runPhase(input, self);
      }),
      runHook: fromPromise<void, RunHookInput>(async ({ input, self }) =>
        find(parentOf(self)).runHook(input, self),
      ),
      sleepUntil: fromPromise<{ at: number }, { until: number }>(({ input, signal, self }) =>
        find(parentOf(self)).sleepUntil(input.until, signal),
      ),
      finalize: fromPromise<FinalizeOutput, { jobId: string }>(async ({ self }) => {
        const job = parentOf(self);
        const rt = find(job);
        rt.bind(job);
        return rt.finalize();
      }),
    },
    actions: {
      persist: ({ self }: { self: AnyActorRef }) => {
        const rt = find(self);
        rt.bind(self);
        rt.persistSoon();
      },
      abortPhase: ({ self }: { self: AnyActorRef }) => find(self).abortPhase(),
      prepareRetry: ({ self }: { self: AnyActorRef }, params: { reset: 'phase-start' | 'checkpoint' }) =>
        find(self).resetState(params.reset),
    },
  };
}

/** The job actor that invoked a phase actor. */
function parentOf(self: AnyActorRef): AnyActorRef {
  const parent = (self as { _parent?: AnyActorRef })._parent;
  if (!parent) throw new Error('phasekit: a phase actor must be invoked by its job machine.');
  return parent;
}

function statusOf(snapshot: JobSnapshot): JobStatus {
  if (snapshot.status === 'done') return snapshot.context.status as JobStatus;
  return snapshotPosition(snapshot.value).step === 'paused' ? 'paused' : 'running';
}

function lastPhase(history: readonly PhaseExecution[]): string | null {
  let last: string | null = null;
  for (const entry of history)
    if (entry.status !== 'pending' && entry.status !== 'skipped') last = entry.phase;
  return last;
}

/** A phase error again, from its record, for `onFailure`. */
function phaseErrorOf(record: ErrorRecord | null, phase: string, jobId: string): PhaseError {
  const options = { phase, jobId, ...(record?.details ? { details: record.details } : {}) };
  const message = record?.message ?? 'The phase failed.';
  switch (record?.kind) {
    case 'cancelled':
      return new CancelledError(message, options);
    case 'paused':
      return new PausedError(message, options);
    case 'nonFatal':
      return new NonFatalError(message, options);
    default:
      return new FatalError(message, options);
  }
}
