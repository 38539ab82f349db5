/**
 * Under `onConflict: 'abort'`, a path appeared at a planned destination after the plan was made (while the job
 * ran, was paused or was killed). Nothing was written over it and its source (for a move) is kept; the job
 * stops. Run the copy again with `--on-conflict skip`, `rename` or `overwrite`, or move the path away first.
 * Under any policy, a symlink or other non-directory in place of one of the copy's directories (`kind:
 * 'not-a-directory'`; `overwrite` replaces one only where a planned directory itself goes).
 */
export class CopyConflictError extends Error {
  override readonly name = 'CopyConflictError';
  constructor(
    /** The destination path that appeared. */
    readonly path: string,
    /**
     * `appeared`: a path at a planned file's (or a moved source's) name; `not-a-directory`: a symlink or other
     * non-directory where a planned directory goes, or in place of a directory between the destination and an
     * item — never followed, whatever the policy (only `overwrite` replaces one where a planned directory goes).
     */
    readonly kind: 'appeared' | 'not-a-directory' = 'appeared',
  ) {
    super(
      kind === 'appeared'
        ? `${path} appeared after the copy was planned; it was left alone and the job stopped (--on-conflict abort). ` +
            'Move it away, or copy again with --on-conflict skip, rename or overwrite.'
        : `${path} is not a directory (a symlink or file put where the copy has a directory) since the copy was planned; ` +
            'nothing was written through it, it was left alone and the job stopped. Move it away and copy again.',
    );
  }
}
