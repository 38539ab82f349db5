import type { RunOptions } from '../machines/runJob.js';
import type { SnapshotStore } from '../persistence/types.js';
import type { JobDefinition } from '../phases/defineJob.js';

/**
 * One trial's world, built fresh by `setup()`: the store and the app's dependencies over fresh data (a new
 * temp directory or database, at the same paths every trial so results compare equal).
 */
export interface CrashTrial<D = unknown> {
  readonly store: SnapshotStore;
  /** Handed to the job as `ctx.deps`. */
  readonly deps?: D;
  /**
   * What the job did to the world, read from the data (rows, files and their hashes…): compared between the
   * uninterrupted run and every crashed-and-resumed one. Read only what the job is meant to produce; leave out
   * what differs between two correct runs (times, inode numbers).
   */
  effects?(): unknown | Promise<unknown>;
  /**
   * Make the data refuse every write from now on, as if the process died at this instant: for SQLite,
   * `db.pragma('query_only = ON')` on the connection the store and the app share. Called at the crash.
   * Without it a crash inside `atomicWith` rolls the save back, and a store that commits the caller's
   * writes apart from its checkpoint cannot be caught.
   */
  freeze?(): void;
  /**
   * The restarted process: fresh store and dependencies opened on the same data (reopen the SQLite file).
   * Default: the same objects (a `MemoryStore` is its own data).
   */
  reopen?(): CrashTrial<D> | Promise<CrashTrial<D>>;
  /** Release what the trial opened (called for the crashed world and for the reopened one). */
  close?(): void | Promise<void>;
}

/** Options shared by `crashPoints` and `runCrashPoints`. */
export interface CrashPointsOptions<D = unknown> {
  /** A fresh world per run. */
  readonly setup: () => CrashTrial<D> | Promise<CrashTrial<D>>;
  /**
   * More options of `runJob` / `resumeJob`. Default `minCheckpointIntervalMs: 0`: every `ctx.checkpoint()`
   * reaches the store, so each one is a crash point and two runs make the same writes.
   */
  readonly run?: Omit<RunOptions<D>, 'store' | 'deps' | 'jobId'>;
  /** Default `'crash-points'`. */
  readonly jobId?: string;
}

/** What a child-process trial module exports. */
export interface CrashChildModule<D = unknown> {
  readonly job: JobDefinition<any, any, D, any>;
  readonly input: unknown;
  /** The world on the data the parent's `setup()` prepared (the same files, opened again). */
  reopen(): CrashTrial<D> | Promise<CrashTrial<D>>;
}
