import type { Lease } from './types.js';

/**
 * The job is running elsewhere: another live process holds its lease. Nothing was started.
 *
 * What to do: wait for that run to end or pause it (`phasekit pause <id>`), or stop that process; a process
 * that died is detected and its job taken over on the next try.
 */
export class JobLockedError extends Error {
  override readonly name = 'JobLockedError';
  readonly jobId: string;
  /** The lease that holds the job. */
  readonly holder: Lease;

  constructor(jobId: string, holder: Lease) {
    super(
      `Job ${jobId} is already running in process ${holder.pid} on ${holder.host} ` +
        `(worker ${holder.workerId}, since ${new Date(holder.acquiredAt).toISOString()}). ` +
        'Wait for it to finish, pause it with `phasekit pause ' +
        jobId +
        '`, or stop that process; a dead process is taken over on the next try.',
    );
    this.jobId = jobId;
    this.holder = holder;
  }
}
