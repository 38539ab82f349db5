/**
 * Two different job definitions were registered under one name. The name is how a stored job finds its
 * definition again after a restart, so it must be unique within a job manager.
 *
 * What to do: rename one of the jobs (`defineJob({ name })`). Registering the same definition twice is
 * allowed and does nothing.
 */
export class DuplicateJobNameError extends Error {
  override readonly name = 'DuplicateJobNameError';
  readonly jobName: string;

  constructor(jobName: string) {
    super(
      `A different job definition named "${jobName}" is already registered with this job manager. Job names ` +
        'identify stored jobs after a restart, so each must be unique: rename one of them (defineJob({ name })).',
    );
    this.jobName = jobName;
  }
}
