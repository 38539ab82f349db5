/**
 * An embedded job machine was restored by its parent, but its own checkpoint in the store cannot continue it:
 * the store holds none for the job id, or it stands elsewhere than the restored machine.
 *
 * What to do: give `provideRuntime` the same `store` and `jobId` the job ran with, and persist the parent when the
 * job checkpoints (its `checkpointed` events) so both agree; or start the job afresh under a new id.
 */
export class EmbeddedResumeError extends Error {
  override readonly name = 'EmbeddedResumeError';
  readonly jobId: string;

  constructor(jobId: string, problem: string) {
    super(
      `Cannot resume embedded job ${jobId}: ${problem}. Pass provideRuntime the store and jobId the job ran with, ` +
        'and persist the parent machine whenever the job checkpoints, or start the job under a new id.',
    );
    this.jobId = jobId;
  }
}
