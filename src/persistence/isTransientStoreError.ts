/**
 * True for a store error that says "busy, try again" rather than "this cannot be done": SQLite's
 * `SQLITE_BUSY*` (another connection held the write lock past the busy timeout) and a file store's lock wait
 * that timed out. The runtime retries these; it never fails a job for one alone.
 */
export function isTransientStoreError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, name } = error as { code?: unknown; name?: unknown };
  return (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) || name === 'FileLockTimeoutError';
}
