/**
 * The library file cannot be opened or created: its directory does not exist, or it or its directory is not
 * readable or writable. Nothing was written.
 *
 * What to do: create the directory, fix the permissions, or choose another file (`--library FILE` on the CLI,
 * the path given to `openLibrary` in code).
 */
export class LibraryOpenError extends Error {
  override readonly name = 'LibraryOpenError';
  /** The library file. */
  readonly file: string;

  constructor(file: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `Cannot open the library ${file}: ${reason}. Check that its directory exists and is writable, or choose ` +
        'another file (--library FILE on the command line).',
      { cause },
    );
    this.file = file;
  }
}
