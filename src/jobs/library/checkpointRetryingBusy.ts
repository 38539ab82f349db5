import type { CheckpointOptions, Clock } from '../../phases/types.js';
import type { LibraryBusyError } from './LibraryBusyError.js';
import { type RetryBusyOptions, retryBusy } from './retryBusy.js';

/**
 * A job's `ctx.checkpoint(opts)` that, when the library is busy (another process committing, or holding the
 * write lock past the busy timeout), is written again with backoff instead of failing the job; only after
 * `maxWaitMs` (default 10 minutes) does it throw {@link LibraryBusyError}. A busy save was rolled back with
 * its `atomicWith` writes, so writing it again repeats nothing.
 *
 * @example
 * ```ts
 * await checkpointRetryingBusy(ctx, { force: true, atomicWith: () => library.setContentIds(batch) });
 * ```
 */
export function checkpointRetryingBusy(
  ctx: { checkpoint(opts?: CheckpointOptions): Promise<void>; readonly clock: Clock },
  opts: CheckpointOptions,
  options: RetryBusyOptions = {},
): Promise<void> {
  return retryBusy(() => ctx.checkpoint(opts), ctx.clock, options);
}
