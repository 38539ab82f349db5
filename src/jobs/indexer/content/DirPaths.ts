import { joinBytes } from '../../fs/paths.js';
import type { Library } from '../../library/Library.js';
import { EntryNotFoundError } from '../../library/EntryNotFoundError.js';
import { pathOf } from '../../library/entries.js';

/** Directories whose paths are kept at most (a walk over more starts again from the roots it needs). */
const LIMIT = 20_000;

/**
 * The absolute paths of a location's directories, as bytes, each built from its parent's cached path and its
 * own name (one indexed lookup per directory, where `pathOf` walks every ancestor per call): the content
 * phase needs the directory of every file it hashes, and pages files by id, so directories come back often.
 * Equal to {@link pathOf} for every entry.
 */
export class DirPaths {
  readonly #library: Library;
  readonly #paths = new Map<number, Buffer>();

  constructor(library: Library) {
    this.#library = library;
  }

  /** The path of directory entry `id` (a location root's is its location's path). */
  of(id: number): Buffer {
    const known = this.#paths.get(id);
    if (known !== undefined) return known;
    const row = this.#library.statements.raw('SELECT parent_id, name FROM entries WHERE id = ?').get(id) as
      | [number | null, Buffer]
      | undefined;
    if (row === undefined) throw new EntryNotFoundError(id);
    const path = row[0] === null ? pathOf(this.#library, id) : joinBytes(this.of(row[0]), row[1]);
    if (this.#paths.size >= LIMIT) this.#paths.clear();
    this.#paths.set(id, path);
    return path;
  }
}
