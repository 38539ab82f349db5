/**
 * A job was asked for by a name no definition registered with the job manager has: a `dispatch('name', ...)`
 * with a typo, or a stored job (found by `resumeInterrupted()`, `resume(id)` or `cancel(id)`) written by a
 * job this process does not register.
 *
 * What to do: register the definition (`createJobManager({ jobs: [...] })` or `manager.register(job)`) before
 * dispatching or resuming it. The stored job is left as it is, so it resumes once its definition is there.
 */
export class UnknownJobError extends Error {
  override readonly name = 'UnknownJobError';
  /** The name no definition answers to. */
  readonly jobName: string;
  /** Names of the definitions that are registered. */
  readonly registered: readonly string[];
  /** The stored job that needs the definition, if any. */
  readonly jobId: string | undefined;

  constructor(jobName: string, registered: readonly string[], jobId?: string) {
    const names = registered.length === 0 ? 'none' : registered.map((n) => `"${n}"`).join(', ');
    super(
      `No job definition named "${jobName}" is registered with this job manager` +
        `${jobId === undefined ? '' : ` (stored job ${jobId} needs it)`}; registered: ${names}. ` +
        'Register it with createJobManager({ jobs: [...] }) or manager.register(definition) before dispatching ' +
        'or resuming it.',
    );
    this.jobName = jobName;
    this.registered = [...registered];
    this.jobId = jobId;
  }
}
