import type { MessagePort } from 'node:worker_threads';
import type { IndexerRules } from '../rules.js';

/** A directory to read: its path, its path from the root, and the inode and device its parent listed. */
export interface WalkDir {
  readonly path: Uint8Array;
  readonly rel: string;
  readonly ino?: number;
  readonly dev?: number;
}

/** @internal What the walk's worker thread boots with: it then waits for its {@link WalkStart}. */
export interface WalkBoot {
  readonly port: MessagePort;
  /**
   * Int32 [0]: entries the job has taken; [1]: 1 when the worker must stop; [2]: 1 once the worker is ready
   * (loaded, waiting for its start); [3]: 1 once the job has posted the start.
   */
  readonly shared: SharedArrayBuffer;
  readonly rules: Required<IndexerRules>;
  readonly recursive: boolean;
  /** Entries the worker may read beyond what the job has taken. */
  readonly ahead: number;
}

/** @internal Where the worker starts walking: the first message the job posts to it. */
export interface WalkStart {
  readonly stack: readonly WalkDir[];
  readonly gitignores: Record<string, string>;
}

/** @internal Slots of {@link WalkBoot.shared}. */
export const TAKEN = 0;
export const STOP = 1;
export const READY = 2;
export const STARTED = 3;
