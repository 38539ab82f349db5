/** @internal What a {@link BackgroundCheckpointer}'s worker thread starts with. */
export interface WalCheckpointBoot {
  /** The library's database file. */
  readonly file: string;
  /** Int32 slots: {@link COMMITS}, {@link STOP}, {@link DONE}. */
  readonly shared: SharedArrayBuffer;
}

/** @internal Slot: commits the job made (the worker checkpoints when it changes). */
export const COMMITS = 0;
/** @internal Slot: 1 when the worker must end. */
export const STOP = 1;
/** @internal Slot: checkpoints the worker made (for tests and benches). */
export const DONE = 2;
