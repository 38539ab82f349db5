import type Database from 'better-sqlite3';
import type { Clock } from '../../phases/types.js';
import { LibraryBusyError } from './LibraryBusyError.js';

/** How long a busy library is retried before {@link LibraryBusyError}: 10 minutes. */
export const DEFAULT_BUSY_RETRY_MS = 10 * 60_000;
const FIRST_DELAY_MS = 5;
const MAX_DELAY_MS = 1000;

/**
 * Whether an error is SQLite's "another connection has the database": `SQLITE_BUSY` (the busy timeout ran
 * out), `SQLITE_BUSY_SNAPSHOT` (a transaction that read first may not write after another commit),
 * `SQLITE_BUSY_RECOVERY`, `SQLITE_BUSY_TIMEOUT`. Such a transaction was rolled back and can be run again.
 */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** Options of {@link retryBusy} and {@link retryBusySync}. */
export interface RetryBusyOptions {
  /** Give up with {@link LibraryBusyError} once this many ms have passed. Default {@link DEFAULT_BUSY_RETRY_MS}. */
  readonly maxWaitMs?: number;
  /** The file named in the error. */
  readonly file?: string;
}

/**
 * Run `fn` (a write transaction, or a job's checkpoint that commits library writes) again while it fails
 * because the library is busy, with a bounded exponential backoff (5 ms doubling to 1 s), until it succeeds
 * or `maxWaitMs` passed; then throw {@link LibraryBusyError}. Other errors propagate at once. `fn` must be
 * safe to repeat: a busy SQLite transaction was rolled back, so repeating it is.
 *
 * Time and sleep come from `clock`, so a `TestClock` drives it.
 *
 * @example
 * ```ts
 * await retryBusy(() => ctx.checkpoint({ force: true, atomicWith: () => insertEntries(library, batch) }), ctx.clock);
 * ```
 */
export async function retryBusy<T>(
  fn: () => Promise<T>,
  clock: Pick<Clock, 'now' | 'setTimeout'>,
  options: RetryBusyOptions = {},
): Promise<T> {
  const started = clock.now();
  let delay = FIRST_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isBusyError(error)) throw error;
      const waited = clock.now() - started;
      if (waited >= (options.maxWaitMs ?? DEFAULT_BUSY_RETRY_MS)) {
        throw new LibraryBusyError(options.file ?? 'database', waited, attempt, error);
      }
      await new Promise<void>((resolve) => clock.setTimeout(resolve, delay));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * {@link retryBusy} for a synchronous transaction on `db` (the library's own, e.g. reserving ids). Inside a
 * transaction the caller opened, `fn` runs once: only the caller's whole transaction can be repeated.
 * Sleeps block the thread (`Atomics.wait`), as SQLite's own busy handler does.
 */
export function retryBusySync<T>(db: Database.Database, fn: () => T, options: RetryBusyOptions = {}): T {
  if (db.inTransaction) return fn();
  const started = performance.now();
  let delay = FIRST_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return fn();
    } catch (error) {
      if (!isBusyError(error) || db.inTransaction) throw error;
      const waited = performance.now() - started;
      if (waited >= (options.maxWaitMs ?? DEFAULT_BUSY_RETRY_MS)) {
        throw new LibraryBusyError(options.file ?? db.name, waited, attempt, error);
      }
      Atomics.wait(sleeper, 0, 0, delay);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}
