/**
 * The library stayed locked by another connection (another phasekit, or another program writing to the file)
 * for longer than phasekit waits: every attempt to write failed with `SQLITE_BUSY` for `waitedMs`. Nothing
 * was written by the attempt that gave up; the job's last checkpoint is intact.
 *
 * What to do: find what keeps the library file locked (a long transaction in another program, a stuck
 * process), stop it, and resume the job (`phasekit resume <id>`).
 */
export class LibraryBusyError extends Error {
  override readonly name = 'LibraryBusyError';
  /** The library file. */
  readonly file: string;
  /** How long phasekit kept retrying, in ms. */
  readonly waitedMs: number;
  /** Attempts made. */
  readonly attempts: number;

  constructor(file: string, waitedMs: number, attempts: number, cause: unknown) {
    super(
      `The library ${file} stayed locked by another writer for ${Math.round(waitedMs / 1000)} s ` +
        `(${attempts} attempts). Find the program or process holding it (a long transaction, a stuck ` +
        'process), stop it, then resume the job with phasekit resume <id>.',
      { cause },
    );
    this.file = file;
    this.waitedMs = waitedMs;
    this.attempts = attempts;
  }
}
