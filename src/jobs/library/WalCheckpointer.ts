import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** @internal What the checkpointer's worker thread starts from. */
export interface WalCheckpointStart {
  /** The library's database file. */
  readonly file: string;
  /** Int32 [0]: 1 when the worker must stop. */
  readonly shared: SharedArrayBuffer;
  readonly intervalMs: number;
}

/**
 * @internal Defaults of every {@link WalCheckpointer}, for tests: `workerUrl` points the TypeScript sources at
 * the built worker, `enabled: false` never starts one.
 */
export const walCheckpointerDefaults: {
  workerUrl?: URL;
  enabled: boolean;
  intervalMs: number;
  /** The job connection's `wal_autocheckpoint` while the worker runs: a bound on the WAL should it lag. */
  autocheckpointPages: number;
  /** {@link WalCheckpointer.wanted} once the WAL holds this much (half of SQLite's automatic checkpoint). */
  startAfterBytes: number;
} = { enabled: true, intervalMs: 10, autocheckpointPages: 16_384, startAfterBytes: 2 * 1024 * 1024 };

/**
 * Checkpoints the library's WAL from a worker thread while a large walk writes, instead of in the job's
 * thread: with SQLite's automatic checkpoint (every 1,000 pages) a COMMIT of the walk now and then copied
 * 4 MiB of pages into the database file and synced it, about a tenth of a new library's index, on the
 * thread that is the walk's bottleneck. While it runs, the job's connection checkpoints itself only past
 * {@link walCheckpointerDefaults}.autocheckpointPages (64 MiB), should the worker lag or die.
 *
 * Checkpoints never change what is committed, so crash safety is as before: a kill at any instant leaves the
 * committed batches in the WAL or the database file, and SQLite's recovery on the next open is the same.
 */
export class WalCheckpointer {
  readonly #db: Database.Database;
  readonly #previous: number;
  readonly #stop: Int32Array;
  #worker: Worker | null;
  #exited: Promise<void>;

  private constructor(db: Database.Database, previous: number, worker: Worker, stop: Int32Array) {
    this.#db = db;
    this.#previous = previous;
    this.#worker = worker;
    this.#stop = stop;
    this.#exited = new Promise<void>((resolve) => {
      worker.once('exit', () => {
        this.#worker = null;
        this.#restore();
        resolve();
      });
    });
    // A worker that cannot open the file or fails: the job's connection checkpoints itself again.
    worker.on('error', () => this.#restore());
  }

  /**
   * Whether `db`'s WAL has grown past {@link walCheckpointerDefaults}.startAfterBytes: a walk that writes
   * that much (a first index, a re-index of many changes) is worth a worker; one that writes little (a
   * re-index of an unchanged tree) is not. One `stat` of the WAL file.
   */
  static wanted(db: Database.Database): boolean {
    if (!walCheckpointerDefaults.enabled || db.memory) return false;
    const size = fs.statSync(`${db.name}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    return size >= walCheckpointerDefaults.startAfterBytes;
  }

  /**
   * Start checkpointing `db`'s WAL from a worker thread; `undefined` (and nothing changed) when `db` is not a
   * file in WAL mode, or the built worker module is not there (tests running the TypeScript sources).
   */
  static start(db: Database.Database): WalCheckpointer | undefined {
    if (!walCheckpointerDefaults.enabled || db.memory || !db.open) return undefined;
    const url = walCheckpointerDefaults.workerUrl ?? new URL('./walCheckpointWorker.js', import.meta.url);
    if (!fs.existsSync(fileURLToPath(url))) return undefined;
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') return undefined;
    const previous = db.pragma('wal_autocheckpoint', { simple: true }) as number;
    const shared = new SharedArrayBuffer(4);
    const start: WalCheckpointStart = {
      file: db.name,
      shared,
      intervalMs: walCheckpointerDefaults.intervalMs,
    };
    const worker = new Worker(url, { workerData: start });
    worker.unref();
    db.pragma(`wal_autocheckpoint = ${Math.max(previous, walCheckpointerDefaults.autocheckpointPages)}`);
    return new WalCheckpointer(db, previous, worker, new Int32Array(shared));
  }

  /** Stop the worker (after the checkpoint it may be in) and give the connection its own checkpoints back. */
  async close(): Promise<void> {
    if (this.#worker !== null) {
      // Unreferenced while it runs (it never holds a process up); referenced while it is waited for, or a
      // process with nothing else left would end with that wait unsettled.
      this.#worker.ref();
      Atomics.store(this.#stop, 0, 1);
      Atomics.notify(this.#stop, 0);
    }
    await this.#exited;
  }

  #restore(): void {
    if (this.#db.open) this.#db.pragma(`wal_autocheckpoint = ${this.#previous}`);
  }
}
