import type { PathLike } from 'node:fs';

/**
 * A file's length on disk no longer matches the size its content id or hash was asked for: it was written to,
 * truncated or replaced between the `stat` that gave the size and the reads. A content id computed anyway
 * would describe bytes that were never on disk together, so none is returned.
 *
 * What to do: stat the file again and recompute, or leave it to the next index of the location (the indexer
 * counts this as a non-fatal error for that one file).
 */
export class ContentChangedError extends Error {
  override readonly name = 'ContentChangedError';
  /** The path (or file descriptor) that was being read, as the caller gave it. */
  readonly file: PathLike | number;
  /** The size the caller gave, from its `stat`. */
  readonly expectedSize: number;
  /** Whether the file turned out `shorter` or `longer` than `expectedSize`. */
  readonly found: 'shorter' | 'longer';

  constructor(file: PathLike | number, expectedSize: number, found: 'shorter' | 'longer') {
    const what = typeof file === 'number' ? `file descriptor ${file}` : String(file);
    super(
      `${what} changed while it was being hashed: it is now ${found} than the ${expectedSize} bytes it had ` +
        'when it was stat-ed. Stat it again and recompute, or re-index its location.',
    );
    this.file = file;
    this.expectedSize = expectedSize;
    this.found = found;
  }
}
