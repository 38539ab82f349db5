/**
 * A store was asked to change a job it does not hold (for example `setStatus` on an unknown id).
 *
 * What to do: check the id with `store.list()` (`phasekit jobs`); the job may have been deleted.
 */
export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError';
  readonly jobId: string;

  constructor(jobId: string) {
    super(`No job with id ${jobId} in the store. List the stored jobs (phasekit jobs) to find the right id.`);
    this.jobId = jobId;
  }
}
