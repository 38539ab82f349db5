/**
 * A chunk of the content phase's files was sent to a content id worker thread that died before answering,
 * and to the worker started in its place, which died too. Its files are not skipped: the phase fails, and
 * nothing of the batch is written.
 *
 * What to do: resume the job (the files are hashed again from the last committed batch); if it dies again,
 * the thread is crashing on these files: report it with the job's errors.
 */
export class ContentIdWorkerDiedError extends Error {
  override readonly name = 'ContentIdWorkerDiedError';
  /** The exit code of the last worker that died, or `null` when it failed without one. */
  readonly exitCode: number | null;

  constructor(exitCode: number | null, cause?: unknown) {
    super(
      `A content id worker thread died (${exitCode === null ? 'no exit code' : `exit code ${exitCode}`}) ` +
        'twice on the same files, so their ids were not computed and their batch was not written: ' +
        'resume the job to hash them again.',
      cause === undefined ? undefined : { cause },
    );
    this.exitCode = exitCode;
  }
}
