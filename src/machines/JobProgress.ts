/** One progress report of a running job, as `run.progress$` emits it. */
export interface JobProgress {
  readonly jobId: string;
  /** The phase running now (or last run, once the job ended). */
  readonly phase: string | null;
  readonly phaseIndex: number;
  readonly phaseCount: number;
  /** 0..100 of the current phase. */
  readonly phasePercent: number;
  /** 0..100 of the whole job, weighted by phase weights. */
  readonly overallPercent: number;
  readonly message: string | null;
  /** Atomic units done and expected in the current phase. */
  readonly completed: number;
  readonly total: number;
  readonly bytesCompleted?: number;
  readonly bytesTotal?: number;
  /** Smoothed units per second in the current phase (exponentially weighted). */
  readonly rate: number;
  /** Smoothed bytes per second in the current phase, when the phase reports bytes. */
  readonly bytesRate?: number;
  /** Estimated ms until the current phase ends, from the smoothed rate; `null` when unknown. */
  readonly etaMs: number | null;
  readonly errorsCount: number;
  /** Ms the job has run, summed over all its runs. */
  readonly elapsedMs: number;
  readonly status: 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';
}

/** A lifecycle event of a job, as `run.events$` emits it. */
export type JobEvent =
  | {
      readonly type: 'started' | 'resumed' | 'paused';
      readonly jobId: string;
      readonly at: number;
      readonly phase: string | null;
    }
  | {
      readonly type: 'phaseStarted' | 'phaseCompleted' | 'phaseSkipped' | 'phaseFailed';
      readonly jobId: string;
      readonly at: number;
      readonly phase: string;
      readonly attempt: number;
    }
  | {
      readonly type: 'checkpointed';
      readonly jobId: string;
      readonly at: number;
      readonly phase: string | null;
      readonly bytes: number;
    }
  | {
      readonly type: 'nonFatalError';
      readonly jobId: string;
      readonly at: number;
      readonly phase: string | null;
      readonly message: string;
    }
  | {
      readonly type: 'completed' | 'failed' | 'cancelled';
      readonly jobId: string;
      readonly at: number;
      readonly phase: string | null;
      readonly error?: string;
    };
