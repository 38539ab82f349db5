/** Context attached to a {@link SnapshotCorruptError}. */
export interface SnapshotCorruptErrorOptions {
  /** Id of the job whose checkpoint could not be read, when known. */
  readonly jobId?: string;
  /** The lower-level error (a MessagePack decode error, a checksum mismatch...). */
  readonly cause?: unknown;
}

/**
 * A checkpoint's bytes cannot be read: truncated, not a phasekit checkpoint, an unknown format, a checksum
 * mismatch or a malformed body. The bytes are not trusted at all, so nothing in them is used.
 *
 * What to do: the job cannot resume from this checkpoint. Restore the file or row from a backup, or delete
 * the job and run it again from the start.
 */
export class SnapshotCorruptError extends Error {
  override readonly name = 'SnapshotCorruptError';
  readonly jobId: string | undefined;

  constructor(message: string, options: SnapshotCorruptErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.jobId = options.jobId;
  }
}
