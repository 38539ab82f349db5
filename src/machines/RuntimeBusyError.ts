/**
 * A job machine from `provideRuntime` was invoked while an earlier invocation of it was still running: its one
 * runtime holds one run's state, so two actors of it at once would run the job twice, side by side.
 *
 * What to do: call `provideRuntime` once per job that runs at the same time (each with its own `jobId`). The same
 * machine invoked again once its earlier actor stopped or ended is fine: that starts a new run.
 */
export class RuntimeBusyError extends Error {
  override readonly name = 'RuntimeBusyError';
  readonly jobId: string;

  constructor(jobId: string, jobName: string) {
    super(
      `The machine of job "${jobName}" (id ${jobId}) from provideRuntime was invoked while an earlier actor of it ` +
        'still runs. One provideRuntime runs one job at a time: call provideRuntime again, with another jobId, for ' +
        'each job that runs at the same time.',
    );
    this.jobId = jobId;
  }
}
