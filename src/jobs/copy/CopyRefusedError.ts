/**
 * The copy job will not start: a source is missing, the destination lies inside a source (or the target holds
 * one), there is not room
 * enough, or a destination exists under `onConflict: 'abort'`. Thrown before anything is written; the message
 * says what to change.
 */
export class CopyRefusedError extends Error {
  override readonly name = 'CopyRefusedError';
  constructor(
    message: string,
    /**
     * Why: `missing-source`, `into-itself`, `onto-a-source` (the target is a source or holds one), `no-room`,
     * `conflict` or `not-a-directory`.
     */
    readonly reason:
      | 'missing-source'
      | 'into-itself'
      | 'onto-a-source'
      | 'no-room'
      | 'conflict'
      | 'not-a-directory',
    /** The path the refusal is about. */
    readonly path: string,
  ) {
    super(message);
  }
}
