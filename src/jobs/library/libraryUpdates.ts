import fs from 'node:fs';
import { extensionOf, joinBytes } from '../fs/paths.js';
import type { Library } from './Library.js';
import { basenameBytes, dirnameBytes } from '../fs/bytePaths.js';
import { entryAtPath } from './entryAtPath.js';
import { setContentIds } from './contentIdentities.js';
import {
  adjustChildCount,
  adjustTotalsUpward,
  deleteEntries,
  findEntry,
  insertEntries,
  updateEntries,
} from './entries.js';

/**
 * Keep an indexed location true after a path in it was removed (deleted, trashed or moved away): its entry and
 * subtree leave the library, and the sizes and counts of the directories above drop by what it held. Nothing
 * happens when no location contains the path or the library never recorded it. Runs in the caller's
 * transaction.
 */
export function recordRemoved(library: Library, path: Uint8Array): void {
  const place = entryAtPath(library, path);
  const entry = place?.entry;
  if (!entry || !place.parent) return;
  const size = entry.kind === 'dir' ? entry.aggregateSize : entry.size;
  const files = entry.kind === 'dir' ? entry.fileCount : entry.kind === 'file' ? 1 : 0;
  deleteEntries(library, [entry.id]);
  adjustTotalsUpward(library, place.parent.id, -size, -files);
  adjustChildCount(library, place.parent.id, -1);
}

/**
 * Record paths just written (a copy's results, parents before children) in the location that contains
 * them, if any: new entries inserted, existing ones (an overwrite) updated with their content id cleared, and
 * the totals of the directories above adjusted. Runs in the caller's transaction.
 */
export class CopiedRecorder {
  /** Directory path (latin1 of its bytes) → its entry id, or null when no location records it. */
  readonly #dirs = new Map<string, number | null>();
  #locationId = 0;
  constructor(readonly library: Library) {}

  record(path: Buffer): void {
    const parentPath = dirnameBytes(path);
    const parentId = this.#dirId(parentPath);
    if (parentId === null) return;
    const st = fs.lstatSync(path, { throwIfNoEntry: false });
    if (!st) return;
    const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file';
    const name = basenameBytes(path);
    const nameText = name.toString('utf8');
    const size = kind === 'dir' ? 0 : st.size;
    const library = this.library;
    const known = findEntry(library, this.#locationId, parentId, name);
    let id: number;
    if (known) {
      id = known.id;
      updateEntries(library, [
        {
          id,
          kind,
          size,
          inode: st.ino,
          device: st.dev,
          mtimeMs: st.mtimeMs,
          ctimeMs: st.ctimeMs,
          mode: st.mode,
        },
      ]);
      setContentIds(library, [{ id, contentId: null }]);
      if (kind !== 'dir')
        adjustTotalsUpward(
          library,
          parentId,
          size - known.size,
          known.kind === 'file' ? 0 : kind === 'file' ? 1 : 0,
        );
    } else {
      [id] = insertEntries(library, [
        {
          locationId: this.#locationId,
          parentId,
          name,
          nameText,
          extension: kind === 'dir' ? null : extensionOf(nameText),
          kind,
          size,
          inode: st.ino,
          device: st.dev,
          mtimeMs: st.mtimeMs,
          ctimeMs: st.ctimeMs,
          mode: st.mode,
          symlinkTarget: kind === 'symlink' ? fs.readlinkSync(path, { encoding: 'buffer' }) : null,
        },
      ]);
      adjustChildCount(library, parentId, 1);
      if (kind !== 'dir') adjustTotalsUpward(library, parentId, size, kind === 'file' ? 1 : 0);
    }
    if (kind === 'dir') this.#dirs.set(path.toString('latin1'), id);
  }

  /** {@link record} a path and, for a directory, everything below it (a directory moved with one rename). */
  recordTree(path: Buffer): void {
    const stack = [path];
    while (stack.length > 0) {
      const p = stack.pop()!;
      this.record(p);
      if (!fs.lstatSync(p, { throwIfNoEntry: false })?.isDirectory()) continue;
      for (const name of fs.readdirSync(p, { encoding: 'buffer' }).reverse()) stack.push(joinBytes(p, name));
    }
  }

  #dirId(dir: Buffer): number | null {
    const key = dir.toString('latin1');
    const cached = this.#dirs.get(key);
    if (cached !== undefined) return cached;
    const place = entryAtPath(this.library, dir);
    const id = place?.entry?.kind === 'dir' ? place.entry.id : null;
    if (place) this.#locationId = place.locationId;
    this.#dirs.set(key, id);
    return id;
  }
}
