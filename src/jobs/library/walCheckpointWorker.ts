/**
 * The body of the {@link WalCheckpointer}'s worker thread: its own connection to the library file, running
 * `PRAGMA wal_checkpoint(PASSIVE)` every `intervalMs` until told to stop. A passive checkpoint copies committed
 * WAL frames into the database file and never waits for, nor blocks, the job's writer; when it has copied
 * every frame, the writer's next transaction starts the WAL from its beginning again. Loaded from the built
 * `dist/`.
 */
import { workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { WalCheckpointStart } from './WalCheckpointer.js';

const start = workerData as WalCheckpointStart;
const stop = new Int32Array(start.shared);
const db = new Database(start.file, { fileMustExist: true });
try {
  db.pragma('busy_timeout = 0');
  db.pragma('synchronous = NORMAL');
  while (Atomics.load(stop, 0) === 0) {
    Atomics.wait(stop, 0, 0, start.intervalMs);
    if (Atomics.load(stop, 0) !== 0) break;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy (another checkpoint runs): the next turn tries again.
    }
  }
} finally {
  db.close();
}
