/**
 * A paused run was asked to go on, but its job was changed in the store meanwhile (resumed, cancelled or removed
 * by another run or process), so this run's memory is stale. Nothing was done.
 *
 * What to do: drop this run and continue the job with `resumeJob(definition, jobId, { store })`.
 */
export class JobChangedError extends Error {
  override readonly name = 'JobChangedError';
  readonly jobId: string;

  constructor(jobId: string) {
    super(
      `Job ${jobId} changed in its store since this run paused (another run resumed, cancelled or removed it). ` +
        'Continue it with resumeJob(definition, jobId, { store }) instead of this run.',
    );
    this.jobId = jobId;
  }
}
