/**
 * One path below (or at) a delete target that was left in place: permission denied, replaced while being
 * deleted, a name of the library's own files, a directory that filled up again. The job goes on with the
 * rest and reports each such path; the message says what to do.
 */
export class PathNotDeletedError extends Error {
  override readonly name = 'PathNotDeletedError';
  constructor(
    /** The path as shown to the user. */
    readonly path: string,
    /** The errno code (`EACCES`, `ENOTEMPTY`…), `ECHANGED` for a swap, `ELIBRARY` for the library's files. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Wrap what a removal threw, with advice for the common causes. */
  static from(path: string, error: unknown): PathNotDeletedError {
    if (error instanceof PathNotDeletedError) return error;
    const e = error as NodeJS.ErrnoException;
    const code = (e && typeof e === 'object' && (e.code as string)) || 'EUNKNOWN';
    if (code === 'ECHANGED')
      return new PathNotDeletedError(
        path,
        code,
        `Left ${path} alone: it was replaced (${(error as { found?: string }).found ?? 'changed'}) after it was planned, so nothing in it was touched. Check what it is now, and delete it again if you mean to.`,
        { cause: error },
      );
    const advice: Record<string, string> = {
      EACCES: 'permission denied: fix its permissions (or its folder’s), or delete it as its owner',
      EPERM: 'not permitted (immutable, append-only or owned by another user in a sticky folder)',
      ENOTEMPTY: 'it is not empty any more: something was written into it meanwhile; delete it again',
      EBUSY: 'it is in use (a mount point?): unmount it or stop what holds it, then delete it again',
      EROFS: 'the filesystem is read-only',
      EMFILE: 'too many open files (a very deep tree): raise `ulimit -n` and delete it again',
    };
    const why = advice[code] ?? (e instanceof Error ? e.message : String(error));
    return new PathNotDeletedError(path, code, `Could not delete ${path}: ${why}.`, { cause: error });
  }
}
