import type { FirstPass } from '../content/fileBytes.js';
import type { Library } from '../library/Library.js';

/** How two files are judged the same. */
export type DuplicateMode = 'size' | 'name-and-size' | 'content' | 'deep';

/** What duplicate detection is asked to do. Kept in every checkpoint: a resumed job does the same. */
export interface DuplicatesInput {
  /** Directories (or files) to walk. Symlinks are never followed. Give this or `location`. */
  readonly paths?: readonly string[];
  /**
   * An indexed location of the library (its id, or its exact path): the library's entries are the tree, and
   * the content ids and full hashes it holds are reused for files whose size, mtime and ctime are unchanged.
   */
  readonly location?: number | string;
  /** `content` (default): same size, then a partial hash (first and last 4 KiB), then a full BLAKE3. */
  readonly mode?: DuplicateMode;
  /** Smallest file considered, in bytes. Default 1 (0 with `includeEmpty`). */
  readonly minSize?: number;
  /** Largest file considered, in bytes. Default: no limit. */
  readonly maxSize?: number;
  /** Only files with these extensions (lowercase, no dot). Default: all. */
  readonly extensions?: readonly string[];
  /** Count empty files as duplicates of each other. Default false. */
  readonly includeEmpty?: boolean;
  /**
   * Worker threads reading and hashing files (several reads in flight, every core hashing). Default: the
   * number of cores, at most 4 (a thread more than the cores only adds its start-up and contention).
   */
  readonly threads?: number;
  /**
   * Files that may have to be read between two checkpoints (whole size groups are never split; files whose
   * full hash is already known do not count). Default 5000.
   */
  readonly batchFiles?: number;
}

/** What duplicate detection needs from the app. */
export interface DuplicatesDeps {
  /** Needed for `location`, and to store the full hashes computed on a location for the next run. */
  readonly library?: Library;
}

/** A file still being compared. Paths are bytes: Linux names need not be UTF-8. */
export interface CandidateFile {
  readonly path: Uint8Array;
  size: number;
  mtimeMs: number;
  readonly ino: number;
  readonly dev: number;
  /** The library entry, when the tree is a location. */
  readonly entryId?: number;
  /** The library's content id, while the file is unchanged since it was indexed. */
  contentId?: string | null;
  /** The file's full BLAKE3, computed or reused from the library. */
  fullHash?: string | null;
  /** Other paths of the same inode (hard links): one file, listed apart. */
  links?: Uint8Array[];
  /**
   * What collect's read-ahead read of this very object in this run (its partial hash, or why it could not be
   * read): in memory only, never packed into a list or a checkpoint. Analysis takes it out (and clears it)
   * when it compares the file's batch; a file unpacked from a list has none.
   */
  ahead?: FirstPass | Error;
  /**
   * With `ahead`: the first 28 bits of its partial hash, when the file was read but not whole (then a full hash
   * may have to settle it); -1 otherwise. Analysis tells most partial hashes of a group apart by it alone,
   * without going to the results and their strings.
   */
  aheadKey?: number;
}

/** Files with the same size (and name, in `name-and-size` mode), at least two inodes, not yet compared. */
export interface CandidateGroup {
  readonly size: number;
  readonly files: CandidateFile[];
}

/** Paths that are hard links to one inode: one file, not duplicates of each other. */
export interface HardLinkSet {
  readonly size: number;
  readonly paths: Uint8Array[];
}

/** Counts the job reports. */
export interface DuplicatesCounts {
  /** Regular files seen within the filters. */
  files: number;
  bytes: number;
  /** Symlinks seen and not followed. */
  symlinks: number;
  /** Files whose size no other file has (never read). */
  uniqueSize: number;
  /** Files read for a partial hash, for a full hash, and byte-compared. */
  partialHashed: number;
  fullHashed: number;
  compared: number;
  bytesRead: number;
  /** Full hashes and content ids taken from the library instead of reading the file. */
  reused: number;
  /** Files listed in the library but gone or no longer regular files. */
  vanished: number;
}

/**
 * The job's state, saved in every checkpoint. File lists are packed byte arrays (see `packFiles.ts`): a
 * checkpoint then copies them instead of encoding tens of thousands of objects.
 */
export interface DuplicatesState {
  locationId: number | null;
  /**
   * With a library: how many chunks of each file list are valid in its `job_lists` table (see `fileLists.ts`),
   * and `collected`, `pending` and `done` (until complete) stay empty. `null` (or absent, in a checkpoint of
   * an earlier run): the lists are the fields below.
   */
  lists?: { collected: number; pending: number; done: number } | null;
  /** After collect: the files whose size is shared, packed as one group. Emptied by group-by-size. */
  collected: Uint8Array | null;
  /** After group-by-size: the groups to compare, packed; analysis moves `cursor` through them. */
  pending: Uint8Array | null;
  /** Index of the next group of `pending` to compare. */
  cursor: number;
  /** Files in `pending`, and those compared so far, for progress. */
  groupFiles: number;
  doneFiles: number;
  /** Finished duplicate sets, packed, a batch per element. */
  done: Uint8Array[];
  hardLinks: HardLinkSet[];
  counts: DuplicatesCounts;
}

/** One file of a duplicate group. */
export interface DuplicateFile {
  /** The path, for display (UTF-8, invalid bytes replaced). */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** Other paths of the same inode (hard links), not counted as duplicates. */
  readonly links?: readonly string[];
}

/** Files with the same content (or size, or name and size, by mode). */
export interface DuplicateGroup {
  readonly size: number;
  /** The full BLAKE3 of the content (content and deep modes). */
  readonly hash?: string;
  readonly files: readonly DuplicateFile[];
  /** size × files. */
  readonly totalBytes: number;
  /** size × (files − 1): what keeping one copy would free. */
  readonly wastedBytes: number;
}

/** What duplicate detection returns. */
export interface DuplicatesOutput {
  readonly mode: DuplicateMode;
  /** Groups, most wasted bytes first. */
  readonly groups: readonly DuplicateGroup[];
  /** Hard-linked paths, listed apart. */
  readonly hardLinks: readonly { readonly size: number; readonly paths: readonly string[] }[];
  readonly summary: {
    readonly groups: number;
    /** Files in groups. */
    readonly files: number;
    /** Files that could be removed (all but one per group). */
    readonly duplicateFiles: number;
    /** Bytes that could be reclaimed. */
    readonly wastedBytes: number;
  };
  /** What was seen, read and reused. */
  readonly counts: DuplicatesCounts;
}
