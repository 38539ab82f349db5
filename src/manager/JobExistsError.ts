/**
 * `dispatch(..., { jobId })` named an id the store or the job manager already holds: dispatching would
 * overwrite that job's checkpoint.
 *
 * What to do: leave `jobId` out to get a fresh id, or act on the existing job (`resume`, `cancel`, `result`).
 */
export class JobExistsError extends Error {
  override readonly name = 'JobExistsError';
  readonly jobId: string;

  constructor(jobId: string) {
    super(
      `A job with id ${jobId} already exists. Leave jobId out to get a fresh id, or use resume(id), cancel(id) ` +
        'or result(id) on the existing job.',
    );
    this.jobId = jobId;
  }
}
