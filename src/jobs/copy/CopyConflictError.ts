/**
 * Under `onConflict: 'abort'`, a path appeared at a planned destination after the plan was made (while the job
 * ran, was paused or was killed). Nothing was written over it and its source (for a move) is kept; the job
 * stops. Run the copy again with `--on-conflict skip`, `rename` or `overwrite`, or move the path away first.
 */
export class CopyConflictError extends Error {
  override readonly name = 'CopyConflictError';
  constructor(
    /** The destination path that appeared. */
    readonly path: string,
  ) {
    super(
      `${path} appeared after the copy was planned; it was left alone and the job stopped (--on-conflict abort). ` +
        'Move it away, or copy again with --on-conflict skip, rename or overwrite.',
    );
  }
}
