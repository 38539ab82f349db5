/**
 * The run was stopped without ending: `run.stop()` was called, or its lease on the job was lost to another
 * process. The phase's `signal` is aborted, `checkInterrupt()` and `checkpoint()` throw this, and nothing more is
 * written by this run.
 *
 * What to do: nothing inside the phase (let it unwind). The job continues from its last checkpoint with
 * `resumeJob` — in this process or wherever it is now owned.
 */
export class JobStoppedError extends Error {
  override readonly name = 'JobStoppedError';
  readonly jobId: string;
  /** Why the run stopped. */
  readonly reason: 'stopped' | 'lease-lost';

  constructor(jobId: string, reason: 'stopped' | 'lease-lost', options: { cause?: unknown } = {}) {
    super(
      reason === 'stopped'
        ? `Job ${jobId} was stopped: this run writes nothing more. Resume it from its store with resumeJob().`
        : `Job ${jobId} lost its lease to another owner: this run writes nothing more; the new owner continues it.`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.jobId = jobId;
    this.reason = reason;
  }
}
