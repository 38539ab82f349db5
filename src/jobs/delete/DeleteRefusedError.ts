/**
 * The delete job will not run: no confirmation for a permanent or secure delete, a protected path (the
 * library's files or a folder holding them; unless `preserveRoot: false`, `/`, a top-level system directory,
 * or the home or current directory or a folder above them), or a path that does not exist. Thrown before
 * anything is deleted; the message says what to do.
 */
export class DeleteRefusedError extends Error {
  override readonly name = 'DeleteRefusedError';
  constructor(
    message: string,
    /** Why: `unconfirmed`, `protected`, `missing` or `bad-input`. */
    readonly reason: 'unconfirmed' | 'protected' | 'missing' | 'bad-input',
    /** The path the refusal is about (empty for `unconfirmed`). */
    readonly path: string,
  ) {
    super(message);
  }
}
