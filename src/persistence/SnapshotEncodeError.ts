/**
 * A checkpoint could not be encoded: its `state`, `input`, `machine`, history or errors hold a value that
 * a checkpoint cannot keep faithfully (a function, a symbol, a class instance, a cycle). A running job whose
 * state cannot be checkpointed fails with this error as its `failure` (never an uncaught exception).
 *
 * What to do: keep job state to plain data — objects, arrays, strings, numbers, booleans, null, `Uint8Array`,
 * `Date`, `Map`, `Set`, `BigInt`, typed arrays — and keep functions and class instances in `deps`.
 */
export class SnapshotEncodeError extends Error {
  override readonly name = 'SnapshotEncodeError';
  readonly jobId: string | undefined;
  /** Where in the checkpoint the offending value sits, e.g. `state.cache.get("x")`, when it was found. */
  readonly path: string | undefined;

  constructor(message: string, options: { jobId?: string; cause?: unknown; path?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.jobId = options.jobId;
    this.path = options.path;
  }
}
