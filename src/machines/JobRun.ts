import { Observable } from 'rxjs';
import type { Actor, AnyActorRef } from 'xstate';
import type { JobEvent, JobProgress } from './JobProgress.js';
import type { JobRuntime } from './JobRuntime.js';
import { snapshotPosition } from './snapshotPosition.js';
import type { JobMachineContext, JobMachineOutput } from './types.js';

/** How a run ended: failures are data, not rejections. */
export type JobResult<O = unknown> = JobMachineOutput<O>;

/**
 * A running job: control it, watch it, await its result. Returned by `runJob` and `resumeJob`.
 *
 * @example
 * const run = runJob(backup, { paths }, { store });
 * run.progress$.subscribe((p) => console.log(p.phase, p.overallPercent.toFixed(1)));
 * process.once('SIGINT', () => run.pause());
 * const { status, output } = await run.result;
 */
export class JobRun<O = unknown> {
  readonly id: string;
  /** Throttled progress; late subscribers get the latest report. */
  readonly progress$: Observable<JobProgress>;
  /** Lifecycle events: started, phaseStarted, checkpointed, paused, completed... */
  readonly events$: Observable<JobEvent>;
  /** Settles when the job reaches `completed`, `failed` or `cancelled` and its last checkpoint is written. */
  readonly result: Promise<JobResult<O>>;

  constructor(
    /** The XState actor of the job machine. */
    readonly actor: Actor<any>,
    private readonly runtime: JobRuntime<any, any, any, O>,
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
      actor.subscribe({
        complete: () => {
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

  /** The job's state name: the phase and the step inside it. */
  get position(): { phase: string | null; step: string } {
    return snapshotPosition(this.actor.getSnapshot().value);
  }

  /** The machine context (history, errors, interrupt). */
  get context(): JobMachineContext {
    return this.actor.getSnapshot().context as JobMachineContext;
  }

  /** The job's current state `S` (live object: read, don't mutate). */
  get state(): unknown {
    return this.runtime.state;
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

  /** Resume a paused job (or withdraw a pause not yet honoured). */
  resume(): void {
    (this.actor as AnyActorRef).send({ type: 'RESUME', at: this.runtime.options.clock.now() });
  }

  /** Cancel: the phase's `signal` aborts, its `onFailure` runs as cleanup, and the job ends `cancelled`. */
  cancel(): void {
    (this.actor as AnyActorRef).send({ type: 'CANCEL', at: this.runtime.options.clock.now() });
  }

  /** XState's persisted snapshot of the job machine now (what a checkpoint stores as `machine`). */
  snapshot(): unknown {
    return this.actor.getPersistedSnapshot();
  }

  /** Write a checkpoint now. */
  checkpoint(): Promise<void> {
    return this.runtime.checkpoint({ force: true });
  }

  /** Stop the actor without a final state (as a crash would, but in-process). The job resumes from its store. */
  stop(): void {
    this.actor.stop();
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
