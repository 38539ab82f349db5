import { LibraryCorruptError } from './LibraryCorruptError.js';

/**
 * The file given as the library is a SQLite database of another program: it has tables, but neither the
 * phasekit library's schema version nor only phasekit's own tables. Turning it into a library would mix
 * phasekit's tables with that program's, so it is refused, and nothing was written to it (not even the switch
 * to WAL mode).
 *
 * What to do: pass another file with `--library FILE` (a file that does not exist yet, or an empty one,
 * becomes a library), or move this one aside if it was meant to be a phasekit library.
 */
export class NotALibraryError extends LibraryCorruptError {
  override readonly name: string = 'NotALibraryError';
  /** The other program's tables found in the file (at most ten, by name). */
  readonly tables: readonly string[];

  constructor(file: string, tables: readonly string[]) {
    super(file, 'it is another program’s SQLite database');
    const shown = tables.slice(0, 10).join(', ') + (tables.length > 10 ? ', …' : '');
    this.message =
      `The library ${file} cannot be used: it has tables named ${shown} but no phasekit library schema ` +
      'version, so it belongs to another program. It was left untouched. Choose another file with ' +
      '--library FILE (a new or empty file becomes a library).';
    this.tables = tables.slice(0, 10);
  }
}
