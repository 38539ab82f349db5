/**
 * A fenced write was refused: the writer's lease on the job lapsed and another worker claimed it, so the
 * job's fencing token moved past the writer's. Nothing was written.
 *
 * What to do: stop working on the job at once (do not retry the write); its new owner resumes it from the
 * last checkpoint.
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  readonly jobId: string;
  /** The fencing token the refused write carried. */
  readonly fence: number;
  /** The job's current fencing token, when the store knows it. */
  readonly currentFence: number | undefined;

  constructor(jobId: string, fence: number, options: { currentFence?: number; cause?: unknown } = {}) {
    super(
      `Lost the lease on job ${jobId}: a write with fence ${fence} was refused` +
        (options.currentFence === undefined ? '' : ` (the job's fence is now ${options.currentFence})`) +
        '. Another worker owns the job now; stop working on it.',
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.jobId = jobId;
    this.fence = fence;
    this.currentFence = options.currentFence;
  }
}
