/**
 * The job manager was shut down: it starts nothing more, and results it can no longer deliver are rejected
 * with this error.
 *
 * What to do: create a new manager (`createJobManager`) on the same store. Jobs left queued, paused or
 * interrupted are still in the store: `resumeInterrupted()` or `resume(id)` continues them.
 */
export class JobManagerClosedError extends Error {
  override readonly name = 'JobManagerClosedError';
  /** The job concerned, when the error is about one job. */
  readonly jobId: string | undefined;

  constructor(what: string, jobId?: string) {
    super(
      `The job manager is shut down: ${what}. Create a new manager with createJobManager() on the same store; ` +
        'jobs left queued, paused or interrupted continue from their checkpoints with resumeInterrupted() or ' +
        'resume(id).',
    );
    this.jobId = jobId;
  }
}
