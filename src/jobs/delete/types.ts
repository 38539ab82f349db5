import type { Library } from '../library/Library.js';
import type { TrashEnvironment } from '../trash/freedesktopTrash.js';

/** How the delete job deletes. */
export type DeleteMode = 'trash' | 'permanent' | 'secure';

/** What the delete job is asked to do. Kept in every checkpoint: a resumed job does the same. */
export interface DeleteInput {
  /** Files and directories to delete (absolute, or relative to the working directory when the job starts). */
  readonly paths: readonly string[];
  /** Default `trash` (freedesktop.org trash, restorable from a file manager). */
  readonly mode?: DeleteMode;
  /** Required for `permanent` and `secure`: the caller confirms that nothing can bring the files back. */
  readonly confirm?: boolean;
  /** Overwrite passes of `secure` mode. Default 3. */
  readonly passes?: number;
}

/** What the delete job needs from the app. */
export interface DeleteDeps {
  /** The library: entries of deleted paths are removed, and its own files are never deleted. */
  readonly library?: Library;
  /** Where the home trash is and the user id; default from the environment. */
  readonly trash?: TrashEnvironment;
}

/** One path to delete, as validate found it. */
export interface DeleteTarget {
  readonly path: Uint8Array;
  readonly kind: 'file' | 'dir' | 'symlink' | 'other';
}

/** Counts the job reports. */
export interface DeleteCounts {
  /** Targets done (deleted, trashed, or found gone). */
  targets: number;
  /** Targets already gone when their turn came (after a kill, or removed meanwhile): counted, not an error. */
  alreadyGone: number;
  /** Files, symlinks and other non-directories removed (permanent, secure). */
  files: number;
  dirs: number;
  /** Bytes overwritten by secure mode (all passes). */
  overwritten: number;
}

/** The delete job's state, saved in every checkpoint. */
export interface DeleteState {
  targets: DeleteTarget[];
  /** Files under the targets (for progress; not counted in trash mode, where each target is one rename). */
  totalFiles: number;
  /** Index of the next target. */
  cursor: number;
  /** Trash mode: the trash and name chosen for the target at the cursor, saved before they are used. */
  pending: { dir: Uint8Array; topdir: Uint8Array | null; name: Uint8Array } | null;
  /** Trash mode: where each trashed target went (`files/<name>` path). */
  trashed: Uint8Array[];
  counts: DeleteCounts;
}

/** What the delete job returns. */
export interface DeleteOutput extends DeleteCounts {
  readonly mode: DeleteMode;
  readonly paths: readonly string[];
  /** Trash mode: where the targets are in the trash, in order. */
  readonly trashed: readonly string[];
}
