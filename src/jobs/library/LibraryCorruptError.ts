/**
 * The library file cannot be used as a library: it is not a SQLite database, it is damaged, or it is a
 * SQLite database of some other program. Nothing was written to it.
 *
 * What to do: restore it from a backup, or move it aside and let phasekit create a new library (then index
 * the locations again).
 */
export class LibraryCorruptError extends Error {
  override readonly name: string = 'LibraryCorruptError';
  /** The library file. */
  readonly file: string;

  /**
   * @param file The library file.
   * @param reason What is wrong, as a sentence fragment (e.g. `it is not a SQLite database`).
   * @param cause The lower-level error, usually a `SqliteError` with code `SQLITE_NOTADB` or `SQLITE_CORRUPT`.
   */
  constructor(file: string, reason: string, cause?: unknown) {
    super(
      `The library ${file} cannot be used: ${reason}. Restore it from a backup, or move it aside so that ` +
        'phasekit creates a new library, and index your locations again.',
      cause === undefined ? undefined : { cause },
    );
    this.file = file;
  }
}
