import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Library } from './Library.js';
import { COMMITS, DONE, STOP, type WalCheckpointBoot } from './walCheckpointProtocol.js';

/**
 * @internal Defaults of every {@link BackgroundCheckpointer}, for tests: `workerUrl` points the TypeScript
 * sources at the built worker; `enabled: false` (or `PHASEKIT_BACKGROUND_CHECKPOINTS=0`) keeps every
 * checkpoint on the job's connection; `started` counts the checkpointers started.
 */
export const backgroundCheckpointerDefaults: { workerUrl?: URL; enabled: boolean; started: number } = {
  enabled: process.env.PHASEKIT_BACKGROUND_CHECKPOINTS !== '0',
  started: 0,
};

/**
 * WAL checkpoints of a library file made by a worker thread while a job writes in bulk. SQLite's own
 * checkpoint runs inside the commit that fills the WAL past 1000 pages: the job's thread then copies the WAL
 * into the database file and waits for two `fsync`s (about a sixth of a first index's time on the bench tree).
 * While this runs, the job's connection does not checkpoint (`wal_autocheckpoint = 0`); a second connection,
 * in its own thread, runs a passive checkpoint after each commit the job reports ({@link nudge}), which copies
 * only what is committed and takes no lock the writer needs. What is committed, and when, is unchanged: a
 * checkpoint only moves committed pages from the WAL into the database file, and a crash at any moment of it
 * is recovered by SQLite as always.
 *
 * {@link stop} gives the connection its own checkpoints back (as they were); so does the worker's failure. An
 * in-memory database, one not in WAL mode, one read-only, or no built worker module (the TypeScript sources
 * under test) starts nothing: {@link start} returns null and everything stays as it was.
 */
export class BackgroundCheckpointer {
  readonly #library: Library;
  readonly #shared: Int32Array;
  readonly #autocheckpoint: number;
  #stopped = false;
  #exited: Promise<void>;

  private constructor(library: Library, worker: Worker, shared: Int32Array, autocheckpoint: number) {
    this.#library = library;
    this.#shared = shared;
    this.#autocheckpoint = autocheckpoint;
    this.#exited = new Promise<void>((resolve) => {
      worker.once('exit', () => {
        this.#restore();
        resolve();
      });
    });
    // A worker that fails (it cannot open the file...) exits: the connection checkpoints on its own again.
    worker.on('error', () => {});
  }

  /** A checkpointer for `library`'s file, or null where there is none to run (see the class). */
  static start(library: Library): BackgroundCheckpointer | null {
    if (!backgroundCheckpointerDefaults.enabled) return null;
    const db = library.db;
    if (db.memory || db.readonly || !db.open || db.inTransaction) return null;
    const url =
      backgroundCheckpointerDefaults.workerUrl ?? new URL('./walCheckpointWorker.js', import.meta.url);
    if (!fs.existsSync(fileURLToPath(url))) return null;
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') return null;
    const autocheckpoint = db.pragma('wal_autocheckpoint', { simple: true }) as number;
    if (autocheckpoint <= 0) return null; // checkpoints are someone else's already
    const shared = new SharedArrayBuffer(12);
    const boot: WalCheckpointBoot = { file: db.name, shared };
    const worker = new Worker(url, { workerData: boot });
    db.pragma('wal_autocheckpoint = 0');
    backgroundCheckpointerDefaults.started++;
    return new BackgroundCheckpointer(library, worker, new Int32Array(shared), autocheckpoint);
  }

  /** Say the job committed: the worker checkpoints what is in the WAL. */
  nudge(): void {
    if (this.#stopped) return;
    Atomics.add(this.#shared, COMMITS, 1);
    Atomics.notify(this.#shared, COMMITS);
  }

  /** Checkpoints the worker made so far. */
  get checkpoints(): number {
    return Atomics.load(this.#shared, DONE);
  }

  /** End the worker (after the checkpoint it is making) and give the connection its checkpoints back. */
  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#restore();
      Atomics.store(this.#shared, STOP, 1);
      Atomics.notify(this.#shared, COMMITS);
    }
    await this.#exited;
  }

  #restore(): void {
    this.#stopped = true;
    const db = this.#library.db;
    if (db.open && db.pragma('wal_autocheckpoint', { simple: true }) === 0) {
      db.pragma(`wal_autocheckpoint = ${this.#autocheckpoint}`);
    }
  }
}
