import fs from 'node:fs';
import { dirnameBytes, isInside } from '../fs/bytePaths.js';

/**
 * Checks that the directories between the destination root (the directory the sources go into, which the
 * user chose and which is not checked) and a path are real directories — `lstat`, never followed — so nothing
 * is written outside the destination through a symlink put in place of one of them (while the job ran, was
 * paused, or was killed). What it found is cached (per batch of the copy, so a batch of files in one
 * directory costs one `lstat` per level, not one per file); the caller clears it between batches.
 */
export class RealDirs {
  readonly #known = new Set<string>();
  constructor(readonly root: Buffer) {}

  clear(): void {
    this.#known.clear();
  }

  /** Record a directory known to be real (just made, or just `lstat`ed). */
  add(dir: Buffer): void {
    this.#known.add(dir.toString('latin1'));
  }

  /**
   * The highest directory between the root (excluded) and `path` (excluded) that is there and not a directory
   * (a symlink, a file), or `undefined`. A missing one ends the check (what goes in it then fails with its
   * path, as any write into a missing directory does).
   */
  notADirectoryAbove(path: Buffer): Buffer | undefined {
    const unknown: Buffer[] = [];
    for (let dir = dirnameBytes(path); !dir.equals(this.root) && isInside(dir, this.root); ) {
      if (this.#known.has(dir.toString('latin1'))) break;
      unknown.push(dir);
      const up = dirnameBytes(dir);
      if (up.equals(dir)) break;
      dir = up;
    }
    for (let i = unknown.length - 1; i >= 0; i--) {
      const st = fs.lstatSync(unknown[i], { throwIfNoEntry: false });
      if (!st) return undefined;
      if (!st.isDirectory()) return unknown[i];
      this.add(unknown[i]);
    }
    return undefined;
  }
}
