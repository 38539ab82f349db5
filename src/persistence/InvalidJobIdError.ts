/** The pattern a job id must match to be stored by {@link FileStore}: it becomes a file name. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/**
 * A job id that cannot be used as a file name: empty, longer than 200 characters, starting with `.` (a
 * hidden file, or `.` itself), containing `..`, a path separator or a character outside `[A-Za-z0-9._-]`.
 *
 * What to do: use ids such as those `randomUUID()` makes.
 */
export class InvalidJobIdError extends Error {
  override readonly name = 'InvalidJobIdError';
  readonly jobId: string;

  constructor(jobId: string) {
    super(
      `Invalid job id ${JSON.stringify(jobId)}: a job id must be 1–200 characters of [A-Za-z0-9._-], ` +
        'must not start with "." and must not contain "..". Use an id such as crypto.randomUUID() makes.',
    );
    this.jobId = jobId;
  }
}

/** True when `jobId` is safe to use as a file name (see {@link InvalidJobIdError} for the rules). */
export function isValidJobId(jobId: string): boolean {
  return (
    typeof jobId === 'string' &&
    jobId.length <= 200 &&
    JOB_ID_PATTERN.test(jobId) &&
    !jobId.startsWith('.') &&
    !jobId.includes('..')
  );
}

/**
 * Throws {@link InvalidJobIdError} unless `jobId` is safe to use as a file name.
 *
 * @example
 * ```ts
 * assertValidJobId('2f1c-indexer'); // ok
 * assertValidJobId('../etc/passwd'); // throws InvalidJobIdError
 * ```
 */
export function assertValidJobId(jobId: string): void {
  if (!isValidJobId(jobId)) throw new InvalidJobIdError(jobId);
}
