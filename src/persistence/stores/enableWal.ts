import type Database from 'better-sqlite3';

/**
 * Put the database file in WAL mode, tolerating other processes opening the same fresh file at the same
 * instant. Converting a file to WAL needs exclusive access, and when two connections convert at once SQLite
 * refuses one with `SQLITE_BUSY` at once, without running the busy handler (waiting would deadlock): a plain
 * `PRAGMA journal_mode = WAL` then fails the open. WAL is a property of the file, so this reads the mode
 * first (nothing to do after the first open) and otherwise retries, with backoff, until `timeoutMs`.
 */
export function enableWal(db: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  let pause = 1;
  for (;;) {
    try {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      return; // WAL, or a database that cannot be (`:memory:` stays 'memory')
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
    }
    sleepSync(pause);
    pause = Math.min(pause * 2, 50);
  }
}

/** Block this thread for `ms`: the store's constructor is synchronous, and this runs only under contention. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
