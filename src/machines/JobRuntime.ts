import { Subject } from '../adapters/rx.js';
import { type AnyActorRef, fromCallback, fromPromise } from 'xstate';
import { encodeEnvelope } from '../persistence/encodeEnvelope.js';
import { decodeEnvelope } from '../persistence/decodeEnvelope.js';
import { forgetLists } from '../persistence/encodeBody.js';
import { ENVELOPE_FORMAT, type Envelope } from '../persistence/Envelope.js';
import { isTransientStoreError } from '../persistence/isTransientStoreError.js';
import { LeaseLostError } from '../persistence/LeaseLostError.js';
import { SnapshotEncodeError } from '../persistence/SnapshotEncodeError.js';
import type {
  ControlRequest,
  JobMeta,
  JobStatus,
  Lease,
  LeaseOwner,
  SaveOptions,
  SnapshotStore,
} from '../persistence/types.js';
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
import { acquireJobLease } from './acquireJobLease.js';
import { noteEnding } from './endingRuns.js';
import { EmbeddedResumeError } from './EmbeddedResumeError.js';
import { JobChangedError } from './JobChangedError.js';
import type { JobEvent } from './JobProgress.js';
import { JobStoppedError } from './JobStoppedError.js';
import { persistedSnapshot } from './persistedSnapshot.js';
import { ProgressTracker } from './ProgressTracker.js';
import { RunPhaseContext } from './RunPhaseContext.js';
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
  /** Who runs the job, written into its lease (stores with leases). Default: this process. */
  readonly owner?: LeaseOwner;
  /** How long the job's lease lasts without a renewal; renewed every third of it. Default 30 000. */
  readonly leaseMs?: number;
  /** A lease on the job already held (from a worker's `claim`): used instead of acquiring one. */
  readonly lease?: Lease;
  /** How long a checkpoint that meets a busy store (another writer) is retried before it fails. Default 10 min. */
  readonly busyRetryMs?: number;
}

/** How long a checkpoint write that meets a busy store is retried before it fails (25 ms doubling to 1 s). */
const DEFAULT_BUSY_RETRY_MS = 10 * 60_000;

/**
 * Boundary checkpoints closer together than this (clock ms) do not give the host a turn each: one turn per
 * this many ms of short phases lets signals, timers and I/O in without a macrotask hop per phase.
 */
export const BOUNDARY_YIELD_MS = 5;

/** Default {@link RuntimeOptions.leaseMs}. */
export const DEFAULT_LEASE_MS = 30_000;

/** Where a runtime starts from. */
export interface RuntimeStart<S, I> {
  readonly jobId: string;
  readonly input: I;
  readonly state: S;
  /** The state a `restart-phase` phase began with (from the checkpoint restored from). */
  readonly phaseStartState?: S;
  /** The phase whose start {@link phaseStartState} holds: the phase the restored checkpoint stands in. */
  readonly phaseStartPhase?: string | null;
  readonly elapsedMs?: number;
  /** True when starting from a checkpoint just loaded. */
  readonly restored?: boolean;
  /** Skip the checkpoint at the first phase start: the checkpoint just loaded is that very state. */
  readonly skipFirstBoundary?: boolean;
  /** The progress figures stored in the checkpoint restored from. */
  readonly progress?: import('../persistence/Envelope.js').EnvelopeProgress;
  /** The bytes of the checkpoint restored from. */
  readonly checkpointBytes?: Uint8Array;
  /**
   * The end of an earlier run of this job in this process, which this one waits for before it takes the lease and
   * runs anything (an embedded machine its parent invoked again while the first run's phase still ran).
   */
  readonly after?: Promise<void>;
}

/** How a run that did not end stopped. */
export type StopReason = 'stopped' | 'lease-lost';

type JobSnapshot = { value: unknown; status: string; context: JobMachineContext };

/**
 * The side of a job that touches the world: it runs phase code against the job's state, writes checkpoints
 * to the store under the job's lease, and reports progress and events. The machine stays pure; the runtime is
 * plugged into it as its `runner`, `runHook`, `sleepUntil` and `finalize` actors and its `execute`, `persist`
 * and `abortPhase` actions (and the `runPhase` actor that checkpoints of earlier versions may still hold).
 */
export class JobRuntime<S = unknown, I = unknown, D = unknown, O = unknown> {
  readonly jobId: string;
  readonly input: I;
  state: S;
  readonly progress: ProgressTracker;
  readonly events$ = new Subject<JobEvent>();
  /** The job actor, known once started (or once its first phase ran, when embedded). */
  job: AnyActorRef | undefined;
  /** The lease this run holds on the job, while it holds one. */
  lease: Lease | undefined;
  /** Set once the run stopped without ending; nothing is written after. */
  stopReason: StopReason | null = null;
  private phaseStartState: S | undefined;
  /** The phase whose start `phaseStartState` holds: each phase's start is kept once, when it first runs. */
  private phaseStartOf: string | null | undefined;
  /** The state a `retry-from-checkpoint` phase began with, when no boundary checkpoint holds it. */
  private retryStart: { readonly phase: string; readonly state: S } | undefined;
  private lastCheckpointBytes: Uint8Array | undefined;
  private lastCheckpointAt = Number.NEGATIVE_INFINITY;
  /** When a checkpoint last gave the host a turn (clock ms). */
  private lastYieldAt = Number.NEGATIVE_INFINITY;
  private saving: Promise<void> = Promise.resolve();
  private writesInFlight = 0;
  private saveError: unknown;
  private skipNextBoundary: boolean;
  private restored: boolean;
  private abort = new AbortController();
  private previous: JobSnapshot | undefined;
  private readonly weights: number[];
  /** Every weight a whole number: sums of them are exact, whatever the order. */
  private readonly wholeWeights: boolean;
  private readonly disabled: boolean[];
  private readonly minInterval: number;
  private readonly boundaries: boolean;
  private readonly leaseMs: number;
  private heartbeat: unknown = null;
  private requestSeen: ControlRequest | null = null;
  private starting: Promise<void> | undefined;
  private started = false;
  private readonly stopListeners: Array<(reason: StopReason) => void> = [];
  /** What {@link stop} returns, once asked for: the same promise for every caller. */
  private stopping: Promise<void> | undefined;
  /** The end of a stopped run: its code returned, its writes landed, its lease given up. */
  private ended: Promise<void> | undefined;
  /** The job's own code running now (a phase's `execute`, a hook): 0 or 1, as phases run one at a time. */
  private userCodeRunning = 0;
  /** Settles when no code of the job runs any more: made when something waits for it. */
  private userCodeIdle: { promise: Promise<void>; resolve: () => void } | null = null;
  /** The phase run whose outcome the job waits for. */
  private phaseRun: { readonly job: AnyActorRef; readonly phase: string; readonly attempt: number } | null =
    null;
  /** See {@link RuntimeStart.after}. */
  private readonly after: Promise<void> | undefined;

  constructor(
    readonly definition: JobDefinition<S, I, D, O>,
    readonly options: RuntimeOptions<D>,
    start: RuntimeStart<S, I>,
  ) {
    this.jobId = start.jobId;
    this.input = start.input;
    this.state = start.state;
    this.phaseStartState = start.phaseStartState;
    if (start.phaseStartState !== undefined) this.phaseStartOf = start.phaseStartPhase;
    this.skipNextBoundary = start.skipFirstBoundary ?? start.restored === true;
    this.restored = start.restored === true;
    this.lastCheckpointBytes = start.checkpointBytes;
    this.after = start.after;
    this.weights = definition.phases.map((p) => p.phase.weight ?? 1);
    this.wholeWeights = this.weights.every((w) => Number.isSafeInteger(w));
    // Phases whose `when` is false for this input never run: their weight goes to the others from the first frame.
    this.disabled = definition.phases.map((p) => p.phase.when !== undefined && !p.phase.when(start.input));
    this.minInterval = options.minCheckpointIntervalMs ?? 1000;
    this.boundaries = options.boundaryCheckpoints ?? true;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.progress = new ProgressTracker(
      this.jobId,
      this.weights,
      options.clock,
      options.progressIntervalMs ?? 100,
      start.elapsedMs ?? 0,
    );
    this.progress.skippedWeight = this.weightOf((i) => this.disabled[i]);
    if (start.progress)
      this.progress.restore(start.progress, definition.byName.get(start.progress.phase ?? '')?.index);
    if (options.lease) {
      this.lease = options.lease;
    }
  }

  /**
   * The actors and actions to `machine.provide()`, bound to this runtime. For embedding, where someone else
   * creates the job actor; `runJob` and `resumeJob` use `runnableMachine`, provided once per definition.
   */
  implementations() {
    return implementationsFor(() => this);
  }

  /** True when the store keeps leases: every write then needs this run's lease. */
  get leased(): boolean {
    return typeof this.options.store.acquire === 'function';
  }

  /**
   * Take the job's lease (stores with leases) and start renewing it. Resolves at once for stores without
   * leases or when the run was handed a lease. Reports a control request waiting in the store.
   * @throws {JobLockedError} when another live owner holds the job.
   */
  async acquireLease(): Promise<ControlRequest | null> {
    if (!this.leased) return null;
    const { lease, request } = await acquireJobLease(
      this.options.store,
      this.jobId,
      this.owner(),
      this.leaseMs,
      this.lease,
    );
    this.lease = lease;
    if (this.stopReason) {
      await this.releaseLease();
      return null;
    }
    this.scheduleHeartbeat();
    return request;
  }

  /** Start renewing a lease handed in through `options.lease`. @internal */
  startHeartbeat(): void {
    this.scheduleHeartbeat();
  }

  private owner(): LeaseOwner {
    if (this.options.owner) return this.options.owner;
    throw new Error(
      'phasekit: a store with leases needs RuntimeOptions.owner (runJob and resumeJob set it).',
    );
  }

  private scheduleHeartbeat(): void {
    if (this.heartbeat !== null || !this.lease || !this.options.store.renew) return;
    const clock = this.options.clock;
    const handle = clock.setTimeout(
      () => {
        this.heartbeat = null;
        this.beat().catch(() => {});
      },
      Math.max(1, Math.floor(this.leaseMs / 3)),
    );
    // A renewal timer must not keep a host process alive on its own.
    (handle as { unref?: () => void } | null)?.unref?.();
    this.heartbeat = handle;
  }

  private cancelHeartbeat(): void {
    if (this.heartbeat === null) return;
    this.options.clock.clearTimeout(this.heartbeat);
    this.heartbeat = null;
  }

  /** Renew the lease; turn a waiting request into PAUSE or CANCEL; stop at once when the lease is lost. */
  private async beat(): Promise<void> {
    const lease = this.lease;
    if (!lease) return;
    try {
      const renewal = await this.options.store.renew!(lease, { leaseMs: this.leaseMs });
      if (this.lease !== lease) return;
      this.lease = renewal.lease;
      if (!this.stopReason) this.honour(renewal.request);
    } catch (error) {
      if (error instanceof LeaseLostError) {
        this.stop('lease-lost').catch(() => {});
        return;
      }
      this.options.logger?.log('warn', 'lease renewal failed; retrying', {
        jobId: this.jobId,
        error: String(error),
      });
    }
    this.scheduleHeartbeat();
  }

  /** Act on a control request from the store. @internal */
  honour(request: ControlRequest | null): void {
    if (request === null || !this.job) return;
    const snapshot = this.snapshot();
    if (snapshot.status === 'done') return;
    this.requestSeen = request;
    const at = this.options.clock.now();
    if (request === 'cancel' && snapshot.context.interrupt !== 'cancel')
      this.job.send({ type: 'CANCEL', at });
    if (
      request === 'pause' &&
      snapshot.context.interrupt === null &&
      snapshotPosition(snapshot.value).step !== 'paused'
    )
      this.job.send({ type: 'PAUSE', at });
  }

  /**
   * The job is at rest (paused or ended, its checkpoint written): clear a control request it honoured and give
   * the lease up, so the next run — here or in another process — can take it. Also called by `resumeJob` for a
   * job restored at rest (ended, or paused and not resumed), which writes no checkpoint that would. @internal
   */
  async releaseIfAtRest(): Promise<void> {
    if (!this.lease || !this.job || this.stopReason) return;
    const snapshot = this.snapshot();
    const atRest = snapshot.status === 'done' || snapshotPosition(snapshot.value).step === 'paused';
    if (!atRest) return;
    await this.releaseLease();
  }

  private releaseLease(): Promise<void> {
    const lease = this.lease;
    this.cancelHeartbeat();
    if (!lease) return Promise.resolve();
    this.lease = undefined;
    const store = this.options.store;
    // Called first and synchronously: a store whose release is synchronous (memory, SQLite) has let the job go
    // by the time `stop()` returns, even to a caller that does not await it.
    const released = Promise.resolve(store.release?.(lease));
    const request = this.requestSeen;
    this.requestSeen = null;
    return released.then(async () => {
      if (request !== null) await store.clearRequest?.(this.jobId).catch(() => {});
    });
  }

  /**
   * Make sure this run may write again after it rested (paused, lease given up): take the lease back and check
   * that the store still holds this run's last checkpoint.
   * @throws {JobLockedError} when another owner runs the job now.
   * @throws {JobChangedError} when the job changed in the store meanwhile.
   */
  async reacquire(): Promise<void> {
    await this.settled();
    if (this.stopReason) throw new JobStoppedError(this.jobId, this.stopReason);
    if (!this.leased || this.lease) return;
    await this.acquireLease();
    const stored = await this.options.store.load(this.jobId);
    if (!stored || !this.lastCheckpointBytes || !sameBytes(stored.bytes, this.lastCheckpointBytes)) {
      await this.releaseLease();
      throw new JobChangedError(this.jobId);
    }
  }

  /**
   * Stop this run without ending the job: the phase's signal aborts and nothing more is written. Resolves once a
   * write in flight has landed and, when none of the job's code runs, the lease is given up. Code of the job that
   * was running (a phase's `execute`, a hook) keeps the lease, renewed, until it returns or throws: the run ends
   * (see {@link onStop}) only then, so that another owner never runs the job beside it; a run of the same job in
   * this process waits for that end before it takes the lease. A lost lease is not given up (it is not this
   * run's).
   * Every call returns the promise of the first.
   */
  stop(reason: StopReason): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopReason = reason;
    const codeRunning = this.userCodeRunning > 0;
    if (!codeRunning || reason === 'lease-lost') this.cancelHeartbeat();
    if (reason === 'lease-lost') this.lease = undefined;
    this.abort.abort(new JobStoppedError(this.jobId, reason));
    this.ended = codeRunning
      ? this.userCodeSettled().then(() => this.afterCode(reason))
      : this.afterCode(reason);
    if (codeRunning && this.lease) noteEnding(this.options.store, this.jobId, this.ended);
    // Resolved without waiting for the code: a phase that awaits its own run's stop() goes on to its next
    // checkpoint or checkInterrupt, which throws, and returns.
    this.stopping = codeRunning ? this.saving : this.ended;
    for (const listener of this.stopListeners.splice(0)) listener(reason);
    return this.stopping;
  }

  /** The rest of a stop once no code of the job runs: with no write in flight, the lease goes at once. */
  private async afterCode(reason: StopReason): Promise<void> {
    if (reason === 'lease-lost') return;
    if (this.writesInFlight > 0) await this.saving;
    await this.releaseLease().catch(() => {});
  }

  /**
   * Call `listener` once if the run stops without ending, with the run's end: the job's code has returned, the
   * writes have landed and the lease is given up.
   */
  onStop(listener: (reason: StopReason, ended: Promise<void>) => void): void {
    if (this.stopReason) listener(this.stopReason, this.ended!);
    else this.stopListeners.push((reason) => listener(reason, this.ended!));
  }

  /**
   * Resolves once nothing of this run goes on: when it stopped, its end (see {@link onStop}); else once its writes
   * asked for so far have landed. Never rejects. @internal
   */
  idle(): Promise<void> {
    return (this.ended ?? this.settled()).catch(() => {});
  }

  /** Resolves when none of the job's own code runs (at once when none does). */
  private userCodeSettled(): Promise<void> {
    if (this.userCodeRunning === 0) return Promise.resolve();
    if (this.userCodeIdle === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.userCodeIdle = { promise, resolve };
    }
    return this.userCodeIdle.promise;
  }

  /**
   * The job's own code that began with `userCodeRunning++` has returned or thrown (see {@link userCodeSettled}).
   * Counted inline, not through a wrapper: a wrapper's closure and promise would cost every phase.
   */
  private userCodeEnded(): void {
    if (--this.userCodeRunning === 0 && this.userCodeIdle !== null) {
      const idle = this.userCodeIdle;
      this.userCodeIdle = null;
      idle.resolve();
    }
  }

  /** Called by the `persist` action: write a checkpoint once the machine's step is done. @internal */
  persistSoon(): void {
    if (this.stopReason) return;
    // Inside an action the actor's snapshot is not yet the new one: write once the step is done.
    queueMicrotask(() => {
      if (this.stopReason) return;
      const write = this.checkpoint({ force: true }).then(
        () => this.releaseIfAtRest(),
        (error) => this.onPersistError(error),
      );
      this.saving = this.saving.then(() => write).catch(() => {});
    });
  }

  /** A checkpoint of a paused or ended job failed: fail the job with the reason, as data. */
  private onPersistError(error: unknown): void {
    if (error instanceof JobStoppedError || this.stopReason) return;
    if (error instanceof LeaseLostError) {
      this.stop('lease-lost').catch(() => {});
      return;
    }
    const snapshot = this.job ? this.snapshot() : undefined;
    if (snapshot && snapshot.status !== 'done') {
      const at = this.options.clock.now();
      const record = errorRecord(error, snapshotPosition(snapshot.value).phase, at);
      this.job!.send({ type: 'CHECKPOINT_FAILED', error: { ...record, kind: 'fatal' }, at });
      return;
    }
    this.saveError ??= error;
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
    // An embedded job its parent restored (XState restores children with `options.snapshot`): it goes on, as after
    // `resumeJob`, and reports its checkpoint's figures from its first frame (read in `startEmbedded`).
    if (
      late &&
      !this.restored &&
      (job as { options?: { snapshot?: unknown } }).options?.snapshot !== undefined
    ) {
      this.restored = true;
      this.progress.hold();
    }
    job.subscribe({
      next: (snapshot: unknown) => this.onSnapshot(snapshot as JobSnapshot),
      error: () => this.jobActorGone(job),
      complete: () => this.jobActorGone(job),
    });
    if (late) this.onSnapshot(job.getSnapshot() as JobSnapshot);
  }

  /**
   * The job actor stopped without ending (its parent stopped it, or left the state that invoked it; the app's
   * actor stopped) or failed: the run stops as with `run.stop()`, so the phase's signal aborts, nothing more is
   * written (no checkpoint of a stopped machine, which could not run again) and the lease goes once the phase's
   * code has returned. An actor that reached its final state completes too: nothing to do then.
   */
  private jobActorGone(job: AnyActorRef): void {
    if (this.job !== job || (job.getSnapshot() as JobSnapshot).status === 'done') return;
    this.stop('stopped').catch(() => {});
  }

  /**
   * Before the first actor of an embedded job runs: take the lease, and when the parent restored the machine
   * from its own snapshot, continue from the job's checkpoint in the store (or refuse, never start over).
   */
  private async ensureStarted(): Promise<void> {
    this.starting ??= this.startEmbedded();
    await this.starting;
    this.started = true;
    // Resumed straight through the actor (an embedding parent's RESUME) after the lease was given up at rest.
    if (this.leased && !this.lease && !this.stopReason) await this.reacquire();
  }

  /** Nothing to wait for before a phase runs (the common case): no awaits on the way. */
  private get ready(): boolean {
    return this.started && (!this.leased || this.lease !== undefined);
  }

  /** Mark the start as done (runJob and resumeJob take the lease before the actor starts). @internal */
  markStarted(): void {
    this.starting = Promise.resolve();
    this.started = true;
  }

  private async startEmbedded(): Promise<void> {
    try {
      await this.startEmbeddedRun();
    } finally {
      this.progress.release();
    }
  }

  private async startEmbeddedRun(): Promise<void> {
    if (this.after) await this.after.catch(() => {});
    const snapshot = this.snapshot();
    const ctx = snapshot.context;
    // XState restores a parent's children from its snapshot with `options.snapshot` set: that marks a restore.
    const restoredByParent =
      (this.job as { options?: { snapshot?: unknown } }).options?.snapshot !== undefined;
    const request = await this.acquireLease();
    if (restoredByParent) {
      const stored = await this.options.store.load(this.jobId);
      if (!stored) throw new EmbeddedResumeError(this.jobId, 'the store holds no checkpoint for it');
      const envelope = this.decode(stored.bytes);
      const mine = snapshotPosition(snapshot.value);
      const theirs = snapshotPosition((envelope.machine as { value?: unknown } | null)?.value);
      if (mine.phase !== theirs.phase) {
        throw new EmbeddedResumeError(
          this.jobId,
          `the parent restored it in phase "${mine.phase}", but its last checkpoint stands in phase "${theirs.phase}"`,
        );
      }
      this.state = envelope.state as S;
      if (envelope.phaseStartState !== undefined) {
        this.phaseStartState = envelope.phaseStartState as S;
        this.phaseStartOf = theirs.phase;
      }
      this.lastCheckpointBytes = stored.bytes;
      this.restored = true;
      // Restored mid-phase: the checkpoint just loaded is the phase's; waiting for a retry, the attempt writes one.
      this.skipNextBoundary = mine.step === 'running';
      this.progress.restore(
        envelope.progress,
        this.definition.byName.get(envelope.progress.phase ?? '')?.index,
      );
      // Restoring is a request to run: a pause asked before the parent was persisted does not outlive it.
      if (ctx.interrupt === 'pause') this.job!.send({ type: 'RESUME', at: this.options.clock.now() });
    }
    this.honour(request);
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

  /**
   * Called by the `execute` action as a phase's `running` is entered, and by the runner for the phase a restored
   * snapshot stands in: run the phase and send its outcome to the job as the events an invoked `execute-<phase>`
   * actor would send. An outcome the job no longer waits for (it left that phase's `running`, or stopped) is
   * dropped, as XState drops a stopped actor's. @internal
   */
  executePhase(input: RunPhaseInput, job: AnyActorRef): void {
    const run = { job, phase: input.phase, attempt: input.attempt };
    const current = this.phaseRun;
    if (current?.job === job && current.phase === run.phase && current.attempt === run.attempt) return;
    this.phaseRun = run;
    const id = `execute-${input.phase}`;
    const report = (event: { type: string; output?: unknown; error?: unknown }) => {
      if (this.phaseRun !== run) return;
      this.phaseRun = null;
      const snapshot = job.getSnapshot() as JobSnapshot;
      if (snapshot.status !== 'active') return;
      const at = snapshotPosition(snapshot.value);
      if (at.phase !== input.phase || at.step !== 'running') return;
      job.send(event as never);
    };
    this.runPhase(input, job).then(
      (output) => report({ type: `xstate.done.actor.${id}`, output, actorId: id } as never),
      (error) => report({ type: `xstate.error.actor.${id}`, error, actorId: id } as never),
    );
  }

  /** The runner started again with a restored job: run the phase the job stands in, if it stands in one. @internal */
  resumeRunning(job: AnyActorRef): void {
    const snapshot = job.getSnapshot() as JobSnapshot;
    if (snapshot.status !== 'active') return;
    const at = snapshotPosition(snapshot.value);
    if (at.step !== 'running' || at.phase === null) return;
    // A snapshot of an earlier version restored by an embedding parent: its invoked phase actor runs the phase.
    if ((snapshot as { children?: Record<string, unknown> }).children?.[`execute-${at.phase}`]) return;
    const info = this.definition.byName.get(at.phase);
    if (!info) return;
    const context = snapshot.context;
    this.executePhase(
      {
        jobId: context.jobId,
        phase: at.phase,
        attempt: context.history[info.index]?.attempts ?? 1,
        reset: context.reset,
      },
      job,
    );
  }

  /** Runs a phase's `execute` against the state: for `executePhase`, and the `runPhase` actor of old checkpoints. @internal */
  async runPhase(input: RunPhaseInput, job: AnyActorRef): Promise<RunPhaseOutput> {
    // Let the job's own step finish so its snapshot shows this phase running: an embedded job is bound here, and
    // its first snapshot must be that one (bound inside the `execute` action, it would be the one before).
    await Promise.resolve();
    this.bind(job);
    // A job restored from a snapshot of an earlier version, taken in any state, may have no runner: it gets one
    // now, so that its next snapshots hold one and a restore from them starts the phase it stands in.
    const now = job.getSnapshot() as { status: string; children?: Record<string, unknown> };
    if (now.status === 'active' && !now.children?.runner) job.send({ type: 'RUNNER' });
    const clock = this.options.clock;
    const startedAt = clock.now();
    try {
      if (!this.ready) await this.ensureStarted();
      this.throwIfStopped();
      const info = this.definition.byName.get(input.phase)!;
      this.restoreFor(input);
      const restored = this.skipNextBoundary;
      this.skipNextBoundary = false;
      const strategy = info.phase.recovery?.strategy;
      // A phase's start is kept when it first runs, not again when it goes on after a pause (in this process or
      // restored: the checkpoint holds it) nor on a retry. Restored from a checkpoint that holds none (written
      // before phasekit kept it, or rebuilt by a migration), the restored state is the best start known.
      const keepStart = strategy === 'restart-phase' && this.phaseStartOf !== input.phase;
      const aliasStart = keepStart && this.boundaries && !restored;
      // The boundary checkpoint writes the start state as it is, and it is copied once written: a state that a
      // checkpoint refuses then fails the job there (SnapshotEncodeError), not in structuredClone.
      if (keepStart) {
        this.phaseStartState = aliasStart ? this.state : structuredClone(this.state);
        this.phaseStartOf = input.phase;
      }
      // Without boundary checkpoints a phase may write none of its own: its retry then starts from its start.
      if (input.attempt <= 1 && !restored && strategy === 'retry-from-checkpoint' && !this.boundaries) {
        this.retryStart = { phase: input.phase, state: structuredClone(this.state) };
      }
      if (this.boundaries && !restored) await this.boundaryCheckpoint(input.phase, job);
      if (aliasStart) this.phaseStartState = structuredClone(this.state);
      this.throwIfStopped();
      const ctx = this.context(input.phase, input.attempt);
      let output: Awaited<ReturnType<typeof info.phase.execute>>;
      this.userCodeRunning++;
      try {
        output = await info.phase.execute(ctx);
      } finally {
        this.userCodeEnded();
      }
      if (!output || typeof output !== 'object')
        return { kind: String(output) as 'continue', at: clock.now(), startedAt };
      return { ...output, at: clock.now(), startedAt };
    } catch (error) {
      throw this.stamp(error, input.phase, startedAt);
    }
  }

  /**
   * The checkpoint before a phase runs. One that cannot be written (state that cannot be encoded, a store that
   * refuses) is no failure of the phase, whose code has not run: going through the phase's recovery would let
   * `skip-phase` skip a phase that never ran and `retry-from-checkpoint` rewind to an earlier phase's
   * checkpoint, losing that phase's work. The job fails instead, with that error as its `failure`, as when a
   * pause or final checkpoint cannot be written; the store keeps the last checkpoint it took.
   */
  private async boundaryCheckpoint(phase: string, job: AnyActorRef): Promise<void> {
    try {
      await this.checkpoint({ force: true }, true);
    } catch (error) {
      if (error instanceof JobStoppedError || this.stopReason) throw error;
      const at = this.options.clock.now();
      const record = errorRecord(error, phase, at);
      // The job leaves the phase's `running` for `failed`: the phase's outcome (this error) is dropped.
      job.send({ type: 'CHECKPOINT_FAILED', error: { ...record, kind: 'fatal' }, at });
      throw error;
    }
  }

  /** Called by the `runHook` actor. @internal */
  async runHook(input: RunHookInput, self: AnyActorRef): Promise<{ at: number }> {
    this.bind(parentOf(self));
    const phase = this.definition.byName.get(input.phase)!.phase;
    const ctx = this.context(input.phase, 0);
    try {
      if (!this.ready) await this.ensureStarted();
      this.throwIfStopped();
      this.userCodeRunning++;
      try {
        if (input.hook === 'onSuccess') await phase.onSuccess?.(ctx);
        else await phase.onFailure?.(ctx, phaseErrorOf(input.error ?? null, input.phase, this.jobId));
      } finally {
        this.userCodeEnded();
      }
    } catch (error) {
      throw this.stamp(error, input.phase);
    }
    return { at: this.options.clock.now() };
  }

  /** Called by the `finalize` actor. @internal */
  async runFinalize(): Promise<FinalizeOutput> {
    if (!this.ready) await this.ensureStarted();
    this.throwIfStopped();
    return this.finalize();
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

  private throwIfStopped(): void {
    if (this.stopReason) throw new JobStoppedError(this.jobId, this.stopReason);
  }

  /** Put `state` back where a retry must start from. */
  private restoreFor(input: RunPhaseInput): void {
    if (input.attempt <= 1 || input.reset === null) return;
    this.resetState(input.reset, input.phase);
  }

  /**
   * Called by the `prepareRetry` action and before a retry of `phase` runs: state back to the phase's start
   * (`restart-phase`) or to its last checkpoint (`retry-from-checkpoint`). Only a checkpoint written in `phase`
   * counts: an earlier phase's (the last one written when boundary checkpoints are off) would undo that phase's
   * work without running it again, so the state goes back to the phase's start instead. @internal
   */
  resetState(reset: 'phase-start' | 'checkpoint', phase: string | null): void {
    if (reset === 'phase-start') {
      if (this.phaseStartState !== undefined) this.state = structuredClone(this.phaseStartState);
      return;
    }
    const last = this.lastCheckpointBytes ? this.decode(this.lastCheckpointBytes) : undefined;
    const lastPhase = snapshotPosition(
      (last?.machine as { value?: unknown } | null | undefined)?.value,
    ).phase;
    if (last && lastPhase === phase) this.state = last.state;
    else if (this.retryStart && this.retryStart.phase === phase)
      this.state = structuredClone(this.retryStart.state);
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
  private stamp(error: unknown, phase: string, startedAt?: number): unknown {
    const at = this.options.clock.now();
    if (error && typeof error === 'object') {
      try {
        Object.assign(error, {
          at,
          phase: (error as { phase?: string }).phase ?? phase,
          ...(startedAt === undefined ? {} : { startedAt }),
        });
        return error;
      } catch {
        // frozen: fall through to a copy
      }
    }
    return { ...errorRecord(error, phase, at), ...(startedAt === undefined ? {} : { startedAt }) };
  }

  /**
   * Write a checkpoint of the machine and the state now. `atBoundary` marks the checkpoint at a phase's start:
   * it gives the host a turn only when {@link BOUNDARY_YIELD_MS} passed since the last one (a checkpoint from
   * phase code always does).
   */
  async checkpoint(opts: CheckpointOptions = {}, atBoundary = false): Promise<void> {
    this.throwIfStopped();
    const clock = this.options.clock;
    const now = clock.now();
    if (!opts.force && !opts.atomicWith && now - this.lastCheckpointAt < this.minInterval) return;
    if (!this.job) {
      await opts.atomicWith?.(undefined);
      return;
    }
    if (this.leased && !this.lease) {
      throw new Error(
        `phasekit: job ${this.jobId} has no lease to write under; resume the run (run.resume()) or the job (resumeJob).`,
      );
    }
    this.lastCheckpointAt = now;
    const snapshot = this.snapshot();
    const position = snapshotPosition(snapshot.value);
    const context = snapshot.context;
    const done = snapshot.status === 'done';
    const info = position.phase ? this.definition.byName.get(position.phase) : undefined;
    if (done) this.progress.finish(context.status as 'completed' | 'failed' | 'cancelled');
    const progress = this.progress.checkpointFigures();
    const envelope: Envelope<S> = {
      format: ENVELOPE_FORMAT,
      job: jobDescriptor(this.definition),
      jobId: this.jobId,
      input: this.input,
      machine: persistedSnapshot(this.job),
      state: this.state,
      ...(info?.phase.recovery?.strategy === 'restart-phase' &&
      this.phaseStartState !== undefined &&
      this.phaseStartOf === position.phase
        ? { phaseStartState: this.phaseStartState }
        : {}),
      history: context.history,
      errors: context.errors,
      progress,
      createdAt: now,
    };
    let bytes: Uint8Array;
    try {
      bytes = encodeEnvelope(envelope);
    } catch (error) {
      // An ended job needs no state to go on: keep its record and history rather than lose the outcome.
      if (!(error instanceof SnapshotEncodeError) || !done) throw error;
      bytes = encodeEnvelope({ ...envelope, state: null as S, phaseStartState: undefined });
    }
    const meta: JobMeta = {
      name: this.definition.name,
      version: this.definition.version,
      status: statusOf(snapshot),
      phase: position.phase ?? lastPhase(context.history),
      percent: progress.overallPercent,
      errorsCount: context.errorCount,
      error: context.failure?.message ?? null,
      input: this.input,
      updatedAt: now,
    };
    const saveOptions: SaveOptions | undefined =
      opts.atomicWith || this.lease
        ? {
            ...(opts.atomicWith ? { atomicWith: opts.atomicWith } : {}),
            ...(this.lease ? { fence: this.lease.fence } : {}),
          }
        : undefined;
    // Writes land in order: one asked for while another is in flight waits for it (with none in flight, the
    // write starts now, without the hops of a chain).
    const idle = this.writesInFlight === 0;
    this.writesInFlight++;
    const write = idle
      ? this.save(bytes, meta, saveOptions)
      : this.saving.then(() => this.save(bytes, meta, saveOptions));
    this.saving = write.catch(() => {});
    try {
      await write;
    } catch (error) {
      if (error instanceof LeaseLostError) {
        // Not awaited: stop() waits for the writes in flight, this one among them.
        this.stop('lease-lost').catch(() => {});
        throw new JobStoppedError(this.jobId, 'lease-lost', { cause: error });
      }
      throw error;
    }
    this.lastCheckpointBytes = bytes;
    // An ended job writes no more checkpoints: its list memos go (encodeBody).
    if (done) forgetLists(this.jobId);
    this.events$.next({
      type: 'checkpointed',
      jobId: this.jobId,
      at: now,
      phase: meta.phase,
      bytes: bytes.byteLength,
    });
    // A store that writes synchronously (SQLite) resolves in a microtask: give the host a turn, so signals
    // (Ctrl-C), progress timers and I/O callbacks run between a phase's batches. Between phases, a turn every
    // few ms is enough: a turn per boundary cost a job of short phases a sixth of its time.
    if (!atBoundary || now - this.lastYieldAt >= BOUNDARY_YIELD_MS) {
      this.lastYieldAt = now;
      await yieldToHost();
      // Stopped meanwhile (a signal, `stop()` from a listener of this checkpoint): the phase does no more work
      // after a checkpoint of a run that has ended, its next unit (a rename, a delete) belongs to the next run.
      this.throwIfStopped();
    }
  }

  /**
   * One checkpoint write, counted in flight until it settles; a busy store (another writer on the same SQLite
   * file) is retried with a growing pause. One async frame: a boundary checkpoint pays for each.
   */
  private async save(bytes: Uint8Array, meta: JobMeta, saveOptions: SaveOptions | undefined): Promise<void> {
    try {
      // Nothing is written once the run stopped, not even a write queued before.
      this.throwIfStopped();
      const clock = this.options.clock;
      const giveUpAt = clock.now() + (this.options.busyRetryMs ?? DEFAULT_BUSY_RETRY_MS);
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.options.store.save(this.jobId, bytes, meta, saveOptions);
        } catch (error) {
          if (!isTransientStoreError(error) || clock.now() >= giveUpAt) throw error;
          this.options.logger?.log('warn', 'the store is busy; retrying the checkpoint', {
            jobId: this.jobId,
            attempt,
          });
          // A busy save was rolled back with its atomicWith writes: writing it again repeats nothing.
          await new Promise<void>((resolve) => clock.setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
          this.throwIfStopped();
        }
      }
    } finally {
      this.writesInFlight--;
    }
  }

  /** The `ctx` handed to a phase. */
  private context(phaseName: string, attempt: number): PhaseContext<S, I, D> {
    const shared = this.sharedContext();
    const log = (level: 'info' | 'error', message: string, fields?: Record<string, unknown>) =>
      this.options.logger?.log(level, message, { jobId: this.jobId, phase: phaseName, ...fields });
    const fields = {
      input: this.input,
      deps: this.options.deps as D,
      jobId: this.jobId,
      phaseName,
      attempt,
      signal: this.abort.signal,
      clock: this.options.clock,
    };
    return new RunPhaseContext<S, I, D>(this, fields, {
      checkInterrupt: () => {
        this.throwIfStopped();
        const interrupt = this.job ? (this.snapshot().context.interrupt ?? null) : null;
        if (interrupt === 'cancel' || this.abort.signal.aborted) {
          throw new CancelledError(undefined, { phase: phaseName, jobId: this.jobId });
        }
        if (interrupt === 'pause') throw new PausedError(undefined, { phase: phaseName, jobId: this.jobId });
      },
      checkpoint: shared.checkpoint,
      log: (message, fields) => log('info', message, fields),
      logError: (message, fields) => log('error', message, fields),
      addNonFatalError: (error: unknown, details?: Record<string, unknown>) => {
        const record = errorRecord(error, phaseName, this.options.clock.now());
        const withDetails: ErrorRecord = {
          ...record,
          kind: 'nonFatal',
          ...(details ? { details: { ...record.details, ...details } } : {}),
        };
        this.job?.send({ type: 'NON_FATAL', error: withDetails });
      },
      reportProgress: shared.reportProgress,
      atomicOperationComplete: shared.atomicOperationComplete,
      atomic: shared.atomic,
    });
  }

  /** The non-fatal errors recorded so far (a phase's `ctx.errors`). @internal */
  currentErrors(): readonly ErrorRecord[] {
    return this.job ? this.snapshot().context.errors : [];
  }

  private shared:
    | Pick<PhaseContext<S, I, D>, 'checkpoint' | 'reportProgress' | 'atomicOperationComplete' | 'atomic'>
    | undefined;

  /** The parts of a phase's `ctx` that do not depend on the phase: made once per run, not once per phase. */
  private sharedContext(): NonNullable<typeof this.shared> {
    if (this.shared) return this.shared;
    const progress = this.progress;
    this.shared = {
      checkpoint: (opts?: CheckpointOptions) => this.checkpoint(opts),
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
    return this.shared;
  }

  /** Turn snapshot changes into lifecycle events and progress. */
  private onSnapshot(next: JobSnapshot): void {
    const previous = this.previous;
    this.previous = next;
    const at = this.options.clock.now();
    const ctx = next.context;
    const progress = this.progress;
    const jobId = this.jobId;
    const position = snapshotPosition(next.value);
    if (!previous) {
      // A job restored while paused has not resumed yet: `resumed` comes when it runs again.
      if (!this.restored) this.events$.next({ type: 'started', jobId, at, phase: position.phase });
      else if (position.step !== 'paused')
        this.events$.next({ type: 'resumed', jobId, at, phase: position.phase });
    }
    // A fresh run is diffed against an all-pending history, so its first phase reports phaseStarted.
    const before = previous?.context.history ?? (this.restored ? ctx.history : null);
    if (before !== ctx.history) {
      for (let i = 0; i < ctx.history.length; i++) {
        const was = before === null ? NOT_STARTED : before[i];
        const after = ctx.history[i];
        if (was === after || !was) continue;
        const e = { jobId, at, phase: after.phase, attempt: after.attempts };
        if (after.status === 'running' && (was.status !== 'running' || was.attempts !== after.attempts)) {
          const resumedSameAttempt = was.status === 'paused' && was.attempts === after.attempts;
          if (was.status === 'paused') this.events$.next({ type: 'resumed', jobId, at, phase: after.phase });
          if (resumedSameAttempt) {
            // The phase goes on from its checkpointed cursor: keep its figures, restart only the rate. The
            // weights of the phases before it too: a job restored paused has not counted them yet.
            progress.continuePhase(
              after.phase,
              i,
              this.doneWeight(ctx.history),
              this.skippedWeight(ctx.history),
            );
          } else {
            this.events$.next({ type: 'phaseStarted', ...e });
            progress.enterPhase(
              after.phase,
              i,
              this.doneWeight(ctx.history),
              this.skippedWeight(ctx.history),
            );
          }
        } else if (after.status === 'completed' && was.status !== 'completed') {
          this.events$.next({ type: 'phaseCompleted', ...e });
          progress.endPhase(this.doneWeight(ctx.history), this.skippedWeight(ctx.history));
        } else if (after.status === 'skipped' && was.status !== 'skipped') {
          this.events$.next({ type: 'phaseSkipped', ...e });
          progress.endPhase(this.doneWeight(ctx.history), this.skippedWeight(ctx.history));
        } else if (after.status === 'failed' && was.status !== 'failed') {
          this.events$.next({ type: 'phaseFailed', ...e });
        } else if (after.status === 'paused' && was.status !== 'paused') {
          progress.status = 'paused';
          this.events$.next({ type: 'paused', jobId, at, phase: after.phase });
          progress.flush();
        }
      }
      if (progress.status === 'paused' && position.step === 'running') progress.status = 'running';
    }
    if (!previous && this.restored && position.step === 'running') {
      const phase = position.phase!;
      const index = this.definition.byName.get(phase)!.index;
      progress.continuePhase(phase, index, this.doneWeight(ctx.history), this.skippedWeight(ctx.history));
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
      progress.finish(status);
      this.events$.next({
        type: status,
        jobId,
        at,
        phase: lastPhase(ctx.history),
        ...(ctx.failure ? { error: ctx.failure.message } : {}),
      });
    }
  }

  private weightOf(test: (index: number) => boolean): number {
    let sum = 0;
    for (let i = 0; i < this.weights.length; i++) if (test(i)) sum += this.weights[i];
    return sum;
  }

  /** Weight of the phases that did their work (completed, or failed and skipped over). */
  private doneWeight(history: readonly PhaseExecution[]): number {
    return this.sumWeights(history).done;
  }

  /** Weight of the phases that will not run: skipped ones and those whose `when` is false. */
  private skippedWeight(history: readonly PhaseExecution[]): number {
    return this.sumWeights(history).skipped;
  }

  private summed: { history: readonly PhaseExecution[]; done: number; skipped: number } | undefined;

  /**
   * Both sums, kept for the history they were summed over (asked for twice per phase event). With whole-number
   * weights (sums exact in any order), a history of the same length as the last one summed is summed from it:
   * only the entries that are not the very same objects change the sums (a phase boundary changes two of them).
   */
  private sumWeights(history: readonly PhaseExecution[]): { done: number; skipped: number } {
    const last = this.summed;
    if (last?.history === history) return last;
    let done = 0;
    let skipped = 0;
    if (last !== undefined && this.wholeWeights && last.history.length === history.length) {
      done = last.done;
      skipped = last.skipped;
      const before = last.history;
      for (let i = 0; i < history.length; i++) {
        const was = before[i];
        const now = history[i];
        if (was === now) continue;
        const weight = this.weights[i] ?? 0;
        done += (this.isDone(now?.status) ? weight : 0) - (this.isDone(was?.status) ? weight : 0);
        skipped +=
          (this.isSkipped(i, now?.status) ? weight : 0) - (this.isSkipped(i, was?.status) ? weight : 0);
      }
    } else {
      for (let i = 0; i < this.weights.length; i++) {
        const status = history[i]?.status;
        if (this.isDone(status)) done += this.weights[i];
        else if (this.isSkipped(i, status)) skipped += this.weights[i];
      }
    }
    this.summed = { history, done, skipped };
    return this.summed;
  }

  /** A phase with this status did its work (completed, or failed and skipped over). */
  private isDone(status: string | undefined): boolean {
    return status === 'completed' || status === 'failed';
  }

  /** Phase `i` with this status will not run: skipped, or pending with its `when` false. */
  private isSkipped(i: number, status: string | undefined): boolean {
    return status === 'skipped' || (this.disabled[i] === true && status === 'pending');
  }
}

/** What every phase of a fresh run was before its first snapshot: the entry its diff starts from. */
const NOT_STARTED: PhaseExecution = Object.freeze({
  phase: '',
  status: 'pending',
  startedAt: null,
  completedAt: null,
  attempts: 0,
  error: null,
});

const descriptors = new WeakMap<JobDefinition<any, any, any, any>, Envelope['job']>();

/** The checkpoint's `job` field: built once per definition and frozen, so its bytes are encoded once. */
function jobDescriptor(definition: JobDefinition<any, any, any, any>): Envelope['job'] {
  let job = descriptors.get(definition);
  if (!job) {
    job = Object.freeze({
      name: definition.name,
      version: definition.version,
      phases: Object.freeze(definition.phases.map((x) => x.phase.name)),
    });
    descriptors.set(definition, job);
  }
  return job;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
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
      // Started with the job; started again when the job is restored, to run the phase it stands in.
      runner: fromCallback(({ self }) => {
        if ((self as { options?: { snapshot?: unknown } }).options?.snapshot === undefined) return;
        const job = parentOf(self);
        find(job).resumeRunning(job);
      }),
      // A running phase of a checkpoint written by phasekit before the runner (restored by an embedding parent).
      runPhase: fromPromise<RunPhaseOutput, RunPhaseInput>(async ({ input, self }) => {
        const job = parentOf(self);
        return find(job).runPhase(input, job);
      }),
      runHook: fromPromise<{ at: number }, RunHookInput>(async ({ input, self }) =>
        find(parentOf(self)).runHook(input, self),
      ),
      sleepUntil: fromPromise<{ at: number }, { until: number }>(({ input, signal, self }) =>
        find(parentOf(self)).sleepUntil(input.until, signal),
      ),
      finalize: fromPromise<FinalizeOutput, { jobId: string }>(async ({ self }) => {
        const job = parentOf(self);
        const rt = find(job);
        rt.bind(job);
        return rt.runFinalize();
      }),
    },
    actions: {
      execute: ({ self }: { self: AnyActorRef }, input: RunPhaseInput) =>
        find(self).executePhase(input, self),
      persist: ({ self }: { self: AnyActorRef }) => {
        const rt = find(self);
        rt.bind(self);
        rt.persistSoon();
      },
      abortPhase: ({ self }: { self: AnyActorRef }) => find(self).abortPhase(),
      // Run inside the transition to `retrying`: the snapshot is still the failed phase's `running`.
      prepareRetry: ({ self }: { self: AnyActorRef }, params: { reset: 'phase-start' | 'checkpoint' }) =>
        find(self).resetState(
          params.reset,
          snapshotPosition((self.getSnapshot() as JobSnapshot).value).phase,
        ),
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
