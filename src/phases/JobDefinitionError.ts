/** A job definition that cannot run: thrown by `defineJob` when the job is defined, never later. */
export class JobDefinitionError extends Error {
  override readonly name = 'JobDefinitionError';
  readonly job: string;
  readonly phase: string | undefined;

  constructor(job: string, phase: string | undefined, problem: string) {
    super(`Job "${job}"${phase === undefined ? '' : `, phase "${phase}"`}: ${problem}`);
    this.job = job;
    this.phase = phase;
  }
}
