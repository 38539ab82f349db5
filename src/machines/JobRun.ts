import { Observable } from '../adapters/rx.js';
import type { Actor, AnyActorRef } from 'xstate';
import type { Lease } from '../persistence/types.js';
import type { JobEvent, JobProgress } from './JobProgress.js';
import type { JobRuntime, StopReason } from './JobRuntime.js';
import { snapshotPosition } from './snapshotPosition.js';
import type { JobMachineContext, JobMachineOutput } from './types.js';

/**
 * How a run ended: failures are data, not rejections. `status` is the job's final state, or `'interrupted'` for
 * a run that stopped without ending the job (`run.stop()`, or its lease lost to another owner): the job then
 * continues from its last checkpoint with `resumeJob`, and `reason` says why this run stopped.
 */
export interface JobResult<O = unknown> extends Omit<JobMachineOutput<O>, 'status'> {
  readonly status: JobMachineOutput<O>['status'] | 'interrupted';
  /** Why a run was interrupted; absent when the job ended. */
  readonly reason?: StopReason;
}

/**
 * A running job: control it, watch it, await its result. Returned by `runJob` and (as a promise) `resumeJob`.
 * `O` is the job's output, `S` its state.
 *
 * @example
 * const run = runJob(backup, { paths }, { store });
 * run.progress$.subscribe((p) => console.log(p.phase, p.overallPercent.toFixed(1)));
 * process.once('SIGINT', () => run.pause());
 * const { status, output } = await run.result;
 */
export class JobRun<O = unknown, S = unknown> {
  readonly id: string;
  /** Throttled progress; late subscribers get the latest report. */
  readonly progress$: Observable<JobProgress>;
  /** Lifecycle events: started, phaseStarted, checkpointed, paused, completed... */
  readonly events$: Observable<JobEvent>;
  /** Settles when the job reaches `completed`, `failed` or `cancelled` and its last checkpoint is written. */
  readonly result: Promise<JobResult<O>>;
  private rejectStart!: (error: unknown) => void;

  constructor(
    /** The XState actor of the job machine. */
    readonly actor: Actor<any>,
    private readonly runtime: JobRuntime<any, any, any, any>,
  ) {
    this.id = runtime.jobId;
    this.progress$ = runtime.progress.progress$;
    // Events emitted before anyone subscribed (a run starts at once) go to the first subscriber.
    const early: JobEvent[] = [];
    const buffering = runtime.events$.subscribe((e) => early.push(e));
    let first = true;
    this.events$ = new Observable<JobEvent>((subscriber) => {
      if (first) {
        first = false;
        buffering.unsubscribe();
        for (const e of early.splice(0)) subscriber.next(e);
      }
      return runtime.events$.subscribe(subscriber);
    });
    this.result = new Promise<JobResult<O>>((resolve, reject) => {
      this.rejectStart = reject;
      runtime.onStop((reason, ended) => {
        // Progress and events end as the run stops (what its phase does after that is not committed); the
        // result, with the history and errors as it stopped, once the phase's code has returned (nothing of this
        // run runs any more), its last write landed and its lease is given up.
        const context = runtime.job ? (runtime.job.getSnapshot().context as JobMachineContext) : undefined;
        runtime.progress.complete();
        runtime.events$.complete();
        const settle = () => {
          resolve({
            status: 'interrupted',
            reason,
            output: undefined,
            history: context?.history ?? [],
            errors: context?.errors ?? [],
            errorCount: context?.errorCount ?? 0,
            failure: null,
          });
        };
        ended.then(settle, settle);
      });
      actor.subscribe({
        complete: () => {
          // A stopped actor completes too: a run stopped without ending settles through onStop above.
          if (runtime.stopReason) return;
          runtime
            .settled()
            .then(() => {
              runtime.progress.complete();
              runtime.events$.complete();
              resolve(actor.getSnapshot().output as JobResult<O>);
            })
            .catch(reject);
        },
        error: reject,
      });
    });
    // Keep an unhandled rejection from crashing a caller that only watches events.
    this.result.catch(() => {});
  }

  /** The run could not start (its job is locked by another owner): `result` rejects with the reason. @internal */
  failStart(error: unknown): void {
    this.runtime.progress.complete();
    this.runtime.events$.complete();
    this.rejectStart(error);
  }

  /** The job's state name: the phase and the step inside it. */
  get position(): { phase: string | null; step: string } {
    return snapshotPosition(this.actor.getSnapshot().value);
  }

  /** The machine context (history, errors, interrupt). */
  get context(): JobMachineContext {
    return this.actor.getSnapshot().context as JobMachineContext;
  }

  /** The job's current state `S` (live object: read, don't mutate). */
  get state(): S {
    return this.runtime.state as S;
  }

  /** The lease this run holds on its job now (stores with leases), e.g. to show its fencing token. */
  get lease(): Lease | undefined {
    return this.runtime.lease;
  }

  /**
   * Ask the job to pause. The running phase stops at its next `checkInterrupt()` (or, if it never checks, the
   * job stops before the next phase), a checkpoint is written, and the promise resolves. It also resolves if
   * the job ends first.
   */
  async pause(): Promise<void> {
    (this.actor as AnyActorRef).send({ type: 'PAUSE', at: this.runtime.options.clock.now() });
    await this.until((s) => s.status === 'done' || snapshotPosition(s.value).step === 'paused');
    await this.runtime.settled();
  }

  /**
   * Resume a paused job (or withdraw a pause not yet honoured). A paused job gave its lease up: it is taken
   * again first, so the promise rejects with `JobLockedError` when another run owns the job now, or
   * `JobChangedError` when the job changed in the store meanwhile (continue it with `resumeJob` then).
   */
  resume(): Promise<void> {
    return this.control('RESUME');
  }

  /**
   * Cancel: the phase's `signal` aborts, its `onFailure` runs as cleanup, and the job ends `cancelled`. A paused
   * job takes its lease back first (rejects as {@link JobRun.resume} does).
   */
  cancel(): Promise<void> {
    return this.control('CANCEL');
  }

  private control(type: 'RESUME' | 'CANCEL'): Promise<void> {
    const runtime = this.runtime;
    const send = () => (this.actor as AnyActorRef).send({ type, at: runtime.options.clock.now() });
    if (!runtime.leased || runtime.lease || this.actor.getSnapshot().status === 'done') {
      send();
      return Promise.resolve();
    }
    const done = runtime.reacquire().then(send);
    // A caller that does not await still gets no unhandled rejection; one that awaits sees the error.
    done.catch(() => {});
    return done;
  }

  /** XState's persisted snapshot of the job machine now (what a checkpoint stores as `machine`). */
  snapshot(): unknown {
    return this.actor.getPersistedSnapshot();
  }

  /** Write a checkpoint now. */
  checkpoint(): Promise<void> {
    return this.runtime.checkpoint({ force: true });
  }

  /**
   * Stop this run without ending the job, as a crash would but in process: the running phase's `signal` aborts,
   * its next `checkInterrupt()` or `checkpoint()` throws `JobStoppedError`, nothing more is written, the lease is
   * given up, and `result` settles with `{ status: 'interrupted', reason: 'stopped' }`. The job continues from its
   * last checkpoint with `resumeJob`.
   *
   * Resolves once a write in flight has landed and, if no code of the phase is running, the lease is released.
   * When the phase's code is still running (it has not reached a `checkInterrupt()` or `checkpoint()`, or it
   * awaits something not given `ctx.signal`), the run keeps the job's lease, renewed, until that code returns or
   * throws, and `result` settles only then: no code of this run ever runs beside another owner's. A `resumeJob`
   * of the job in this process waits for it; another process is told the job is locked until then.
   */
  stop(): Promise<void> {
    const stopped = this.runtime.stop('stopped');
    this.actor.stop();
    return stopped;
  }

  private until(test: (snapshot: { status: string; value: unknown }) => boolean): Promise<unknown> {
    const actor = this.actor as AnyActorRef;
    if (test(actor.getSnapshot())) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const sub = actor.subscribe({
        next: (s: { status: string; value: unknown }) => {
          if (test(s)) {
            sub.unsubscribe();
            resolve();
          }
        },
        complete: () => resolve(),
        error: () => resolve(),
      });
    });
  }
}
