import os from 'node:os';

/**
 * Images made at once by default: one per core, at most the size of libuv's thread pool (where sharp does
 * its work; `UV_THREADPOOL_SIZE`, default 4), since more would only queue there.
 */
export function defaultThumbnailConcurrency(): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(os.availableParallelism(), pool));
}
