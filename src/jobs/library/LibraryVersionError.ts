/**
 * The library database was written by a newer phasekit: its schema version is above the latest this code
 * knows. Older code must not write to a newer schema, so the library is not opened.
 *
 * What to do: upgrade phasekit, or point `--library` at another file.
 */
export class LibraryVersionError extends Error {
  override readonly name = 'LibraryVersionError';
  /** The library file. */
  readonly file: string;
  /** Schema version found in the library. */
  readonly foundVersion: number;
  /** Latest schema version this code knows. */
  readonly codeVersion: number;

  constructor(file: string, foundVersion: number, codeVersion: number) {
    super(
      `The library ${file} has schema version ${foundVersion}, newer than version ${codeVersion} that this ` +
        'phasekit knows. Upgrade phasekit to open it, or use another library file (--library FILE).',
    );
    this.file = file;
    this.foundVersion = foundVersion;
    this.codeVersion = codeVersion;
  }
}
