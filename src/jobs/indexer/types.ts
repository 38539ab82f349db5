import type { Library } from '../library/Library.js';
import type { IndexerRules } from './rules.js';

/** What the indexer is asked to do. Kept in every checkpoint: a resumed job does the same. */
export interface IndexerInput {
  /** Absolute path of the directory to index. */
  readonly path: string;
  /** `shallow`: names and metadata; `content`: plus content ids; `deep`: plus MIME and image dimensions. */
  readonly mode?: 'shallow' | 'content' | 'deep';
  /** `recursive` (default) or `current`: the directory's own children only. */
  readonly scope?: 'current' | 'recursive';
  /** Keep the index in memory and return it; write nothing to the library. */
  readonly ephemeral?: boolean;
  readonly rules?: IndexerRules;
  /**
   * Entries written per transaction and checkpoint. Default: each phase its own (1000 for discovery, processing
   * and deep; 5000 for content ids, where a batch is also the most a pause or kill makes the phase hash again).
   */
  readonly batchSize?: number;
  /**
   * Files worked on at once: in content mode, the hashing threads (at most this many, and no more than the
   * machine's cores); in deep mode, files sniffed at once. Default 8.
   */
  readonly concurrency?: number;
}

/** What the indexer needs from the app. */
export interface IndexerDeps {
  /** The library to record into; not needed for an ephemeral index. */
  readonly library?: Library;
}

/** A directory waiting to be read. */
export interface PendingDir {
  /** The directory's entry id (for ephemeral runs, its index in `entries`). */
  readonly id: number;
  /** Absolute path, as bytes. */
  readonly path: Uint8Array;
  /** Path relative to the location root, for rules and display. */
  readonly rel: string;
  /** True when the entry was just created: it has no children in the library to compare with. */
  readonly fresh: boolean;
  /**
   * The part of the whole walk this directory stands for: the root is 1, and a directory's part is shared
   * equally by its subdirectories (all of it goes to `explored` when it has none). Absent in checkpoints of
   * earlier versions: counts as 0.
   */
  readonly share?: number;
  /**
   * The directory's inode and device as its parent's listing saw them: the directory is read only if its
   * path still names that very directory (not a symlink or another directory put in its place since).
   * Absent for the root and in checkpoints of earlier versions.
   */
  readonly ino?: number;
  readonly dev?: number;
}

/** An entry of an ephemeral index. */
export interface EphemeralEntry {
  readonly id: number;
  readonly parentId: number | null;
  readonly path: string;
  readonly name: Uint8Array;
  readonly kind: 'file' | 'dir' | 'symlink';
  readonly size: number;
  readonly mtimeMs: number;
  readonly inode: number;
  contentId?: string | null;
  mime?: string | null;
  width?: number | null;
  height?: number | null;
}

/** Counts the job reports. */
export interface IndexerCounts {
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
  new: number;
  modified: number;
  moved: number;
  deleted: number;
  unchanged: number;
  skipped: number;
  contentIds: number;
  deep: number;
}

/** The indexer's state, saved in every checkpoint. */
export interface IndexerState {
  locationId: number | null;
  rootId: number;
  /** True when the location had no entries when the job began (nothing to compare with). */
  cold: boolean;
  /** Directories still to read: a stack, so it stays as small as the tree is deep. */
  stack: PendingDir[];
  /** Entries found missing (or replaced) during discovery: deleted in processing unless found moved. */
  missing: number[];
  /** Entries moved during this run (so their old place is not taken for a deletion). */
  moved: number[];
  /** The .gitignore patterns of directories on the path, by relative directory path. */
  gitignores: Record<string, string>;
  /** Entry ids reserved from the library, `[next, end)`. */
  nextId: number;
  endId: number;
  counts: IndexerCounts;
  /**
   * Discovery's progress when the number of entries is not known: the sum of the shares of the directories
   * whose subtrees are fully read, 0 to 1 (see `PendingDir.share`). Grows only, and reaches 1 at the end.
   */
  explored?: number;
  /** Entries the library held for the location before this run (a re-index's expected total), else 0. */
  expected?: number;
  /** Content and deep phases walk entries in id order from this cursor. */
  cursor: number;
  entries: EphemeralEntry[];
}

/** What the indexer returns. */
export interface IndexerOutput extends IndexerCounts {
  readonly locationId: number | null;
  readonly path: string;
  /** The index itself, for an ephemeral run. */
  readonly entries?: readonly EphemeralEntry[];
}
