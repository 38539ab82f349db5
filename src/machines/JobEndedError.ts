/** A job that already ended (completed, failed or cancelled) before it ever ran cannot be resumed. */
export class JobEndedError extends Error {
  override readonly name = 'JobEndedError';
  constructor(
    readonly jobId: string,
    readonly status: string,
  ) {
    super(`Job ${jobId} is ${status}: there is nothing to resume. Dispatch a new job to run it again.`);
  }
}
