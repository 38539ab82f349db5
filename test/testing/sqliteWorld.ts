import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { JobMeta, SaveOptions, SnapshotStore } from '../../src/persistence/types.js';
import { SqliteStore } from '../../src/persistence/stores/SqliteStore.js';
import type { CrashTrial } from '../../src/testing/CrashTrial.js';

/**
 * A crash-trial world on one SQLite file shared by the store and the job (as the CLI shares the library):
 * `fresh()` removes the file and opens a new one; `reopen` opens the same file again; `freeze` sets
 * `query_only`, so nothing written after the crash lands.
 */
export function sqliteWorld<D>(
  file: string,
  make: (db: Database.Database) => {
    deps?: D;
    effects?: () => unknown;
    store?: (db: Database.Database) => SnapshotStore;
  },
) {
  const open = (): CrashTrial<D> => {
    const store = new SqliteStore(file);
    const made = make(store.db);
    return {
      store: made.store ? made.store(store.db) : store,
      ...(made.deps !== undefined ? { deps: made.deps } : {}),
      ...(made.effects ? { effects: made.effects } : {}),
      freeze: () => store.db.pragma('query_only = ON'),
      reopen: open,
      close: () => store.close(),
    };
  };
  return {
    file,
    fresh: (): CrashTrial<D> => {
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const world = open();
      return world;
    },
  };
}

/**
 * The mutation crash points must catch: a SqliteStore that commits the caller's atomicWith writes and the
 * checkpoint in two transactions (a kill between them keeps the batch and loses its checkpoint).
 */
export class TwoTransactionStore implements SnapshotStore {
  readonly atomic = true;
  constructor(private readonly inner: SqliteStore) {}
  async save(jobId: string, bytes: Uint8Array, meta: JobMeta, opts: SaveOptions = {}) {
    if (opts.atomicWith) this.inner.db.transaction(opts.atomicWith)(undefined);
    return this.inner.save(jobId, bytes, meta, opts.fence === undefined ? {} : { fence: opts.fence });
  }
  load(jobId: string) {
    return this.inner.load(jobId);
  }
  list() {
    return this.inner.list();
  }
}
