import fs from 'node:fs';

/**
 * Open flags for reading a file the jobs found as a regular file: read only, not following a final symlink
 * (`O_NOFOLLOW`: a file replaced by a link since is not read through it), and not waiting (`O_NONBLOCK`: a
 * file replaced by a FIFO opens at once instead of blocking the thread until some writer comes; on regular
 * files the flag changes nothing).
 */
export const READ_REGULAR = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/** A path that named a regular file when it was listed names something else now. */
export class NotARegularFileError extends Error {
  readonly code = 'ENOTREG';
  constructor(path: fs.PathLike) {
    super(
      `${Buffer.isBuffer(path) ? path.toString('utf8') : String(path)} is no longer a regular file (replaced since it was listed): not read; index again to record what it is now.`,
    );
    this.name = 'NotARegularFileError';
  }
}

/** A regular file; or a directory, whose read then fails with `EISDIR` as it always did. */
const readable = (st: fs.Stats) => st.isFile() || st.isDirectory();

/**
 * Open `path` for reading only if it is still a regular file: a symlink (`ELOOP`), FIFO, socket or device put
 * in its place is refused without being read or waited on (a directory is left to fail its read with `EISDIR`). Returns the descriptor.
 */
export function openRegularFileSync(path: fs.PathLike): number {
  const fd = fs.openSync(path, READ_REGULAR);
  if (!readable(fs.fstatSync(fd))) {
    fs.closeSync(fd);
    throw new NotARegularFileError(path);
  }
  return fd;
}

/** The asynchronous {@link openRegularFileSync}. */
export function openRegularFile(path: fs.PathLike): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.open(path, READ_REGULAR, (error, fd) => {
      if (error) return reject(error);
      fs.fstat(fd, (statError, st) => {
        if (!statError && readable(st)) return resolve(fd);
        fs.close(fd, () => reject(statError ?? new NotARegularFileError(path)));
      });
    });
  });
}
