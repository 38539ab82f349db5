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
  /**
   * Default true: refuse `/`, the home and working directories and every folder above them, and the top-level
   * system directories (`/usr`, `/etc`, `/var`, `/bin`, `/boot`, `/lib*`, `/opt`, `/srv`, `/root`, `/home`…).
   * `false` is `--no-preserve-root`. The library's own files and folders are refused either way.
   */
  readonly preserveRoot?: boolean;
}

/** What the delete job needs from the app. */
export interface DeleteDeps {
  /** The library: entries of deleted paths are removed, and its own files are never deleted. */
  readonly library?: Library;
  /** Where the home trash is and the user id; default from the environment. */
  readonly trash?: TrashEnvironment;
  /** Test hook: called with a directory's path just before it is opened for removal. */
  readonly beforeOpenDir?: (path: Buffer) => void;
  /**
   * Test hook: called once a target's trash name is chosen and checkpointed, just before the name is reserved
   * (its info file created) and the target renamed into the trash. May be async; the job waits for it.
   */
  readonly beforeTrash?: (path: Buffer, name: Buffer) => void | Promise<void>;
}

/** One path to delete, as validate found it. */
export interface DeleteTarget {
  readonly path: Uint8Array;
  readonly kind: 'file' | 'dir' | 'symlink' | 'other';
  /** Device and inode when validated: a target replaced since then is left alone. (Absent in old checkpoints.) */
  readonly id?: string;
}

/**
 * What the target at the cursor has counted in advance of removing it, so that counts after a kill equal
 * what was removed: every directory entered is counted as removed when entered, and each chunk of names in
 * it before the chunk is removed; a failure takes its count back. A resumed run recognises a journalled
 * directory by identity and does not count its journalled names again.
 */
export interface RemovalJournal {
  /** Identity of a non-directory target already counted. */
  self: string | null;
  /** Directories under way, outermost first. */
  dirs: { id: string; names: Uint8Array[]; sizes: number[] }[];
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
  /** Paths left in place because they could not be deleted (each reported as an error). */
  failed: number;
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
  /** Permanent and secure: the removal under way of the target at the cursor (absent in old checkpoints). */
  journal?: RemovalJournal;
  counts: DeleteCounts;
}

/** What the delete job returns. */
export interface DeleteOutput extends DeleteCounts {
  readonly mode: DeleteMode;
  readonly paths: readonly string[];
  /** Trash mode: where the targets are in the trash, in order. */
  readonly trashed: readonly string[];
}
