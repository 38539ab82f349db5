/**
 * A checkpoint could not be encoded: its `state`, `input`, `machine`, history or errors hold a value that
 * MessagePack cannot keep faithfully (a function, a bigint, a `Map`, a `Set`, a symbol).
 *
 * What to do: keep job state to plain objects, arrays, strings, numbers, booleans, null, `Uint8Array` and
 * `Date` (turn a `Map` into an object or an array of pairs).
 */
export class SnapshotEncodeError extends Error {
  override readonly name = 'SnapshotEncodeError';
  readonly jobId: string | undefined;

  constructor(message: string, options: { jobId?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.jobId = options.jobId;
  }
}
