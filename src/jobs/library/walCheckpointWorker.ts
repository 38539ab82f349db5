/**
 * The body of a {@link BackgroundCheckpointer}'s worker thread: its own connection to the library file, and a
 * `PRAGMA wal_checkpoint(PASSIVE)` each time the job says it committed (coalesced: several commits during one
 * checkpoint make one more). A passive checkpoint takes no lock the writer needs: it copies what is committed
 * into the database file while the job goes on writing. It never writes anything else. Loaded from the built
 * `dist/`.
 */
import Database from 'better-sqlite3';
import { workerData } from 'node:worker_threads';
import { COMMITS, DONE, STOP, type WalCheckpointBoot } from './walCheckpointProtocol.js';

const boot = workerData as WalCheckpointBoot;
const shared = new Int32Array(boot.shared);
let db: Database.Database | undefined;
try {
  db = new Database(boot.file, { fileMustExist: true, timeout: 0 });
  let seen = 0;
  for (;;) {
    if (Atomics.load(shared, STOP) !== 0) break;
    Atomics.wait(shared, COMMITS, seen, 1000);
    const now = Atomics.load(shared, COMMITS);
    if (now === seen) continue;
    seen = now;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
      Atomics.add(shared, DONE, 1);
    } catch {
      // Busy (another checkpoint runs) or failing: the next commit asks again, and the job's connection
      // checkpoints on its own again once this thread is gone.
    }
  }
} finally {
  db?.close();
}
