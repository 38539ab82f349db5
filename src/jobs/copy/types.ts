import type { Library } from '../library/Library.js';

/** What to do when a destination path already exists. */
export type ConflictPolicy = 'overwrite' | 'rename' | 'skip' | 'abort';

/** What the copy job is asked to do. Kept in every checkpoint: a resumed job does the same. */
export interface CopyInput {
  /** Files and directories to copy (absolute, or relative to the working directory when the job starts). */
  readonly sources: readonly string[];
  /**
   * Where to: an existing directory receives each source under its own name; a path that does not exist is
   * the copy itself (one source) or a directory created for them (several sources).
   */
  readonly destination: string;
  /** Move instead of copy: a rename on the same device, else copy, verify, then remove the source. */
  readonly move?: boolean;
  /** Default `abort`: refuse before writing anything when a destination path exists. */
  readonly onConflict?: ConflictPolicy;
  /** Compare BLAKE3 of source and destination of every file (a mismatch is copied again once). */
  readonly verify?: boolean;
  /** Give copies the modification and access times of their sources. Default true. */
  readonly preserveTimestamps?: boolean;
  /**
   * Bytes per chunk of a large file, and the most bytes of small files written between two checkpoints:
   * the most a kill can make the job write twice. Default 64 MiB.
   */
  readonly chunkSize?: number;
  /** Most files between two checkpoints. Default 1000. */
  readonly batchSize?: number;
  /**
   * Flush data to disk before renaming copies into place (default true): one `syncfs` per batch of small
   * files, `fdatasync` per chunk of a large file. With `false` a copy is still never visible half-written
   * after a kill of the process (temporary name, rename), but a crash of the machine may lose recent copies.
   */
  readonly durable?: boolean;
}

/** What the copy job needs from the app. */
export interface CopyDeps {
  /**
   * The library: the job's plan lives there (so checkpoints stay small), and indexed locations under the
   * source or destination are kept up to date.
   */
  readonly library: Library;
  /** Test points at exact moments of the job (a file appearing, a kill, a full disk). Leave unset in apps. */
  readonly hooks?: CopyHooks;
}

/** A plan item as a hook sees it. */
export interface HookItem {
  readonly seq: number;
  readonly src: Buffer;
  readonly dst: Buffer;
}

/**
 * Points where a test makes something happen at exactly the right moment (never with a sleep). Each may be
 * async; the job waits for it.
 */
export interface CopyHooks {
  /** Estimate's room check passed; nothing is written yet. */
  afterRoomCheck?(): void | Promise<void>;
  /** The plan is made and checkpointed; copying has not begun. */
  afterPlan?(): void | Promise<void>;
  /** A file or symlink is complete under its temporary name and about to take its final name. */
  beforePlace?(item: HookItem): void | Promise<void>;
  /** A copy took its final name; the checkpoint that records it is not written yet. */
  afterPlace?(item: HookItem): void | Promise<void>;
  /** The checkpoint that records items done up to `seq` is written; their temporary names are not removed yet. */
  afterCommit?(seq: number): void | Promise<void>;
  /** A chunk of a large file was written and its offset checkpointed. */
  afterChunk?(item: HookItem, offset: number): void | Promise<void>;
}

/** A source as init resolved it. */
export interface CopyRoot {
  /** Absolute source path, bytes. */
  readonly src: Uint8Array;
  /** Absolute destination path of this source, bytes. */
  readonly dst: Uint8Array;
  readonly kind: 'file' | 'dir' | 'symlink';
  /** True when the source and the destination's directory are on one device (a move is a rename). */
  readonly sameDevice: boolean;
}

/** One unit of the plan, stored in the library's `job_plans` table. */
export interface PlanItem {
  readonly seq: number;
  /** `rename`: a whole source moved with one rename (a move on one device). */
  readonly kind: 'file' | 'dir' | 'symlink' | 'rename';
  /** `copy` into a free path, or `overwrite` what is there. */
  readonly action: 'copy' | 'overwrite';
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly size: number;
  readonly mode: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
}

/** Counts the job reports. */
export interface CopyCounts {
  files: number;
  dirs: number;
  symlinks: number;
  /** Bytes of the planned files copied so far (each file counted once). */
  bytes: number;
  /** Sources moved with a single rename. */
  renamed: number;
  /** Paths left alone under `--on-conflict skip`. */
  skipped: number;
  /** Paths given a new name under `--on-conflict rename`. */
  conflictsRenamed: number;
  overwritten: number;
  verified: number;
  /** Bytes a resumed job wrote again because a kill came after they were written and before the checkpoint. */
  rewritten: number;
  /** Source files removed after their copy was in place (a move across devices). */
  sourcesRemoved: number;
  /** Paths that could not be copied (each one is also a non-fatal error with its path). */
  failed: number;
  /** Large files whose source changed while the job was stopped: copied again from byte 0. */
  restarted: number;
  /** Times the job paused itself because the destination was full (ENOSPC, EDQUOT). */
  noSpacePauses: number;
}

/** The copy job's state, saved in every checkpoint: a cursor into the plan, never the plan itself. */
export interface CopyState {
  roots: CopyRoot[];
  /** From estimate: what the sources hold, and whether the library said so. */
  estimate: { files: number; bytes: number; fromLibrary: boolean };
  /** Totals of the plan. */
  totals: { items: number; files: number; bytes: number };
  planned: boolean;
  /** Set (and checkpointed) before copying writes anything: false means nothing of an earlier run is on disk. */
  copyingStarted: boolean;
  /** Seq of the last plan item done; the next one is the first with a greater seq. */
  cursor: number;
  /** Bytes of the item after the cursor already in its temporary file, committed (a large file). */
  offset: number;
  counts: CopyCounts;
  /** Seq of the last directory whose mode and times were set (complete walks them deepest first). */
  dirCursor: number;
  /**
   * Items from seq `from` to `to` (all at or before the cursor) whose temporary names may still be hard links
   * of their copies: removed once the checkpoint that records the items done is written. Absent in older
   * checkpoints.
   */
  linked?: { from: number; to: number } | null;
  /** The source of the large file in its temporary file, as it was when its copy began. */
  partial?: { seq: number; dev: number; ino: number; size: number; mtimeMs: number } | null;
  /** A source about to be moved with one rename, as it was just before (its identity proves the rename). */
  renaming?: { seq: number; dev: number; ino: number } | null;
  /** Bytes of planned files handled (copied, skipped or failed): the progress figure. */
  bytesPassed?: number;
  /** The destination directory to create for several sources (`cp -t` style), when it did not exist. */
  makeDestination?: Uint8Array | null;
  /** The first failures, one line each (path: reason), for the summary. */
  failures?: string[];
}

/** What the copy job returns. */
export interface CopyOutput extends CopyCounts {
  readonly sources: readonly string[];
  readonly destination: string;
  readonly move: boolean;
  readonly totalFiles: number;
  readonly totalBytes: number;
  /** What failed, one line each (path and reason), the first 20: the rest are in the job's errors. */
  readonly failures: readonly string[];
}
