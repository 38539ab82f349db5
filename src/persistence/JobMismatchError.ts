/**
 * A checkpoint belongs to another job than the one asked for: its job name (or job id) differs from the
 * expected one. The bytes are intact; they were handed to the wrong job definition.
 *
 * What to do: resume the checkpoint with the job definition it names (`peekEnvelope(bytes).name` says which).
 */
export class JobMismatchError extends Error {
  override readonly name = 'JobMismatchError';
  /** Which identity differs. */
  readonly field: 'name' | 'jobId';
  readonly expected: string;
  readonly found: string;
  readonly jobId: string | undefined;

  constructor(field: 'name' | 'jobId', expected: string, found: string, jobId?: string) {
    super(
      field === 'name'
        ? `Checkpoint${jobId === undefined ? '' : ` of job id ${jobId}`} was written by job ` +
            `"${found}", not "${expected}": resume it with the "${found}" job definition.`
        : `Checkpoint stored as job id ${expected} holds job id ${found}: it was copied or renamed. ` +
            `Resume it under id ${found}, or delete it.`,
    );
    this.field = field;
    this.expected = expected;
    this.found = found;
    this.jobId = jobId;
  }
}
