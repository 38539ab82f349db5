import { type Observable, ReplaySubject } from '../adapters/rx.js';
import type { EnvelopeProgress } from '../persistence/Envelope.js';
import type { Clock } from '../phases/types.js';
import type { JobProgress } from './JobProgress.js';

/** Weight of the newest rate sample in the exponentially weighted average. */
const ALPHA = 0.3;

/**
 * Keeps a job's progress figures and emits them throttled: at most one report per `intervalMs`, always the
 * latest values, and the last one on `flush()`. Updates are plain field writes plus at most one timer per
 * interval, so a phase may report from a hot loop.
 *
 * What it promises: `overallPercent` never goes down (a pause, a resume, a restore or a cancel keep it where
 * it was; skipped phases hand their weight to those that run); `rate` and `etaMs` count only the work done since
 * this run (re)started the phase — a count restored from a checkpoint is a baseline, not work done now.
 */
export class ProgressTracker {
  readonly progress$: Observable<JobProgress>;
  phase: string | null = null;
  phaseIndex = 0;
  phasePercent = 0;
  explicitPercent: number | null = null;
  message: string | null = null;
  completed = 0;
  total = 0;
  bytesCompleted: number | undefined;
  bytesTotal: number | undefined;
  errorsCount = 0;
  status: JobProgress['status'] = 'running';
  /** Weights of phases that ended having done their work, summed. */
  doneWeight = 0;
  /** Weights of phases that will not run (skipped, or disabled by `when`), summed. */
  skippedWeight = 0;
  /** The phase shown has ended (its weight is in `doneWeight`) and the next has not started. */
  private phaseEnded = false;
  private readonly subject = new ReplaySubject<JobProgress>(1);
  private timer: unknown = null;
  private rate = 0;
  private bytesRate: number | undefined;
  private sampleAt: number;
  private sampleCompleted = 0;
  private sampleBytes = 0;
  /** The next sample only sets the baseline of the rate (after a resume or restore). */
  private rebase = false;
  /** Highest overall percent reported so far: never reported lower. */
  private floor = 0;
  private readonly startedAt: number;
  /** Sum of the phase weights: fixed for the job, so summed once. */
  private readonly totalWeight: number;

  constructor(
    private readonly jobId: string,
    private readonly weights: readonly number[],
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly priorElapsedMs: number,
  ) {
    this.progress$ = this.subject.asObservable();
    this.startedAt = clock.now();
    this.totalWeight = weights.reduce((a, b) => a + b, 0) || 1;
    this.sampleAt = this.startedAt;
  }

  /** Start from the figures of a checkpoint: the job was there, and says so from its first frame. */
  restore(saved: EnvelopeProgress, phaseIndex: number | undefined): void {
    this.phase = saved.phase;
    if (phaseIndex !== undefined) this.phaseIndex = phaseIndex;
    this.completed = saved.completed;
    this.total = saved.total;
    this.bytesCompleted = saved.bytesCompleted;
    this.bytesTotal = saved.bytesTotal;
    this.message = saved.message;
    // A phase that reported `percent` itself: its counts do not give it back, so it is restored as reported.
    const counted = saved.total > 0 ? Math.min(100, (saved.completed / saved.total) * 100) : 0;
    this.explicitPercent = saved.phasePercent !== counted ? saved.phasePercent : null;
    this.floor = Math.max(this.floor, saved.overallPercent);
    this.rebase = true;
  }

  /** A phase started a new attempt: its counters start from zero. */
  enterPhase(name: string, index: number, doneWeight: number, skippedWeight: number): void {
    this.phaseEnded = false;
    this.phase = name;
    this.phaseIndex = index;
    this.doneWeight = doneWeight;
    this.skippedWeight = skippedWeight;
    this.completed = 0;
    this.total = 0;
    this.explicitPercent = null;
    this.bytesCompleted = undefined;
    this.bytesTotal = undefined;
    this.message = null;
    this.rate = 0;
    this.bytesRate = undefined;
    this.sampleAt = this.clock.now();
    this.sampleCompleted = 0;
    this.sampleBytes = 0;
    this.rebase = false;
    this.status = 'running';
    this.flush();
  }

  /** A restored job goes on inside `name`: keep the restored figures, measure the rate from here. */
  continuePhase(name: string, index: number, doneWeight: number, skippedWeight: number): void {
    this.phaseEnded = false;
    this.phase = name;
    this.phaseIndex = index;
    this.doneWeight = doneWeight;
    this.skippedWeight = skippedWeight;
    this.resumePhase();
  }

  /** The phase goes on after a pause: its figures stand; the rate restarts from the next report. */
  resumePhase(): void {
    this.status = 'running';
    this.rate = 0;
    this.bytesRate = undefined;
    this.rebase = true;
    this.sampleAt = this.clock.now();
    this.flush();
  }

  /**
   * A phase ended (or was skipped): move the weights. Until the next phase starts, the phase shown counts
   * through `doneWeight` alone: its own 100 % is not added on top.
   */
  endPhase(doneWeight: number, skippedWeight: number): void {
    this.doneWeight = doneWeight;
    this.skippedWeight = skippedWeight;
    this.phaseEnded = true;
    this.touch();
  }

  /** The job ended: 100 % only when it completed; a failed or cancelled job keeps the percent it reached. */
  finish(status: 'completed' | 'failed' | 'cancelled'): void {
    this.status = status;
  }

  /** Figures changed since the last report. */
  private dirty = false;
  /** Reports wait (see {@link hold}). */
  private held = false;

  /**
   * Report nothing until {@link release}: the figures a job was restored with are not known yet (an embedded
   * job restored by its parent reads its checkpoint when its first phase runs), and a frame before them would
   * say the job stood at 0 %.
   */
  hold(): void {
    this.held = true;
  }

  /** Report again, at once when something waited. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    if (this.dirty) this.emit();
  }

  /** Something changed: make sure a report goes out within the interval. */
  touch(): void {
    this.dirty = true;
    if (this.timer === null) this.timer = this.clock.setTimeout(this.onTimer, this.intervalMs);
  }

  private readonly onTimer = () => {
    this.timer = null;
    if (this.dirty) this.emit();
  };

  /**
   * Emit the current figures now. A throttled report already scheduled stays scheduled (a job that flushes at
   * every phase start would otherwise make and cancel a timer per phase), and goes out only if something
   * changed after this one.
   */
  flush(): void {
    this.emit();
  }

  /** Elapsed ms over all runs of the job. */
  elapsedMs(): number {
    return this.priorElapsedMs + (this.clock.now() - this.startedAt);
  }

  /** The figures as they are now, without emitting. */
  current(): JobProgress {
    const phasePercent = this.percent();
    const overall = this.overall(phasePercent);
    const remaining = this.total - this.completed;
    return {
      jobId: this.jobId,
      phase: this.phase,
      phaseIndex: this.phaseIndex,
      phaseCount: this.weights.length,
      phasePercent,
      overallPercent: overall,
      message: this.message,
      completed: this.completed,
      total: this.total,
      ...(this.bytesTotal !== undefined || this.bytesCompleted !== undefined
        ? {
            bytesCompleted: this.bytesCompleted ?? 0,
            bytesTotal: this.bytesTotal ?? 0,
            bytesRate: this.bytesRate ?? 0,
          }
        : {}),
      rate: this.rate,
      etaMs: this.eta(remaining),
      errorsCount: this.errorsCount,
      elapsedMs: this.elapsedMs(),
      status: this.status,
    };
  }

  /**
   * The figures a checkpoint keeps, as {@link current} gives them (and with the same effect: the overall percent
   * it reports is the floor from then on), without the figures a checkpoint does not keep (rate, ETA).
   */
  checkpointFigures(): EnvelopeProgress {
    const phasePercent = this.percent();
    const overallPercent = this.overall(phasePercent);
    // Two literals, not one with a spread: the keys' order is the checkpoint's bytes (the byte counts stand
    // before the message), and each literal keeps one object shape.
    if (this.bytesTotal !== undefined || this.bytesCompleted !== undefined) {
      return {
        phase: this.phase,
        phasePercent,
        overallPercent,
        completed: this.completed,
        total: this.total,
        bytesCompleted: this.bytesCompleted ?? 0,
        bytesTotal: this.bytesTotal ?? 0,
        message: this.message,
        elapsedMs: this.elapsedMs(),
      };
    }
    return {
      phase: this.phase,
      phasePercent,
      overallPercent,
      completed: this.completed,
      total: this.total,
      message: this.message,
      elapsedMs: this.elapsedMs(),
    };
  }

  /** The overall percent now (never below the last one reported, which it becomes). */
  private overall(phasePercent: number): number {
    let overall: number;
    if (this.status === 'completed') overall = 100;
    else if (this.status === 'failed' || this.status === 'cancelled') overall = this.floor;
    else {
      const weight = this.phaseEnded ? 0 : (this.weights[this.phaseIndex] ?? 0);
      const running = Math.max(this.totalWeight - this.skippedWeight, 1e-9);
      overall = ((this.doneWeight + (weight * phasePercent) / 100) / running) * 100;
    }
    overall = Math.max(this.floor, Math.min(100, Math.max(0, overall)));
    if (this.status !== 'completed') overall = Math.min(overall, 100);
    this.floor = overall;
    return overall;
  }

  /** Ms left: from the bytes when the phase reports them (a tree with one huge file), else from the count. */
  private eta(remaining: number): number | null {
    const bytesTotal = this.bytesTotal ?? 0;
    const bytesRate = this.bytesRate ?? 0;
    if (bytesTotal > 0 && bytesRate > 0) {
      return (Math.max(0, bytesTotal - (this.bytesCompleted ?? 0)) / bytesRate) * 1000;
    }
    return this.rate > 0 && remaining >= 0 && this.total > 0 ? (remaining / this.rate) * 1000 : null;
  }

  private percent(): number {
    if (this.explicitPercent !== null) return Math.min(100, Math.max(0, this.explicitPercent));
    if (this.total > 0) return Math.min(100, (this.completed / this.total) * 100);
    return 0;
  }

  private emit(): void {
    if (this.held) {
      this.dirty = true;
      return;
    }
    const now = this.clock.now();
    if (this.rebase) {
      // The first figures after a resume or restore are where the phase already was: a baseline, not a rate.
      this.rebase = false;
      this.sampleAt = now;
      this.sampleCompleted = this.completed;
      this.sampleBytes = this.bytesCompleted ?? 0;
    }
    const dt = now - this.sampleAt;
    if (dt > 0) {
      const instant = (Math.max(0, this.completed - this.sampleCompleted) * 1000) / dt;
      this.rate = this.rate === 0 ? instant : ALPHA * instant + (1 - ALPHA) * this.rate;
      if (this.bytesCompleted !== undefined) {
        const bytesInstant = (Math.max(0, this.bytesCompleted - this.sampleBytes) * 1000) / dt;
        this.bytesRate =
          this.bytesRate === undefined ? bytesInstant : ALPHA * bytesInstant + (1 - ALPHA) * this.bytesRate;
        this.sampleBytes = this.bytesCompleted;
      }
      this.sampleAt = now;
      this.sampleCompleted = this.completed;
    }
    this.dirty = false;
    this.subject.next(this.current());
  }

  /** No more reports: emit the last one and complete the stream. */
  complete(): void {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    this.held = false;
    this.flush();
    this.subject.complete();
  }
}
