import crypto from 'node:crypto';
import fs from 'node:fs';
import type Database from 'better-sqlite3';
import type { Library } from '../../src/jobs/library/Library.js';
import { openLibrary } from '../../src/jobs/library/openLibrary.js';
import { SqliteStore } from '../../src/persistence/stores/SqliteStore.js';
import type { CrashTrial } from '../../src/testing/CrashTrial.js';
import { TwoTransactionStore } from './sqliteWorld.js';

/**
 * A crash-trial world as the CLI opens it (src/cli/openWorkspace.ts): the library and the job store in one
 * SQLite file, so a batch and its checkpoint commit together. `fresh()` starts from an empty library, or
 * from a copy of `template` (a library indexed once, for the jobs that work on a location). Effects: every
 * row of every library table (columns ending in `_at`, the clock's times, left out) and `extra()`.
 */
export function libraryWorld<E extends object = object>(
  file: string,
  options: {
    template?: string;
    extra?: () => unknown;
    before?: () => void;
    deps?: E;
    /** The mutation: commit the caller's writes and the checkpoint in two transactions. */
    twoTransactions?: boolean;
  } = {},
) {
  const open = (): CrashTrial<{ library: Library } & E> => {
    const library = openLibrary(file);
    const store = new SqliteStore(library.db);
    return {
      store: options.twoTransactions ? new TwoTransactionStore(store) : store,
      deps: { library, ...(options.deps as E) },
      effects: () => ({ tables: tableRows(library.db), extra: options.extra?.() }),
      freeze: () => library.db.pragma('query_only = ON'),
      reopen: open,
      close: () => library.close(),
    };
  };
  return {
    fresh: (): CrashTrial<{ library: Library } & E> => {
      options.before?.();
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
      if (options.template) fs.copyFileSync(options.template, file);
      return open();
    },
  };
}

/**
 * Every row of every table but phasekit's own, sorted, blobs as SHA-256, `*_at` columns dropped, and entry
 * ids (`id` of entries, `parent_id`, `entry_id`, `root_entry_id`) as the entry's path: the indexer reserves
 * ids ahead (`library_meta.next_entry_id`, left out too), so a crash may leave a gap in them (by design),
 * never a different tree.
 */
export function tableRows(db: Database.Database): Record<string, string[]> {
  const entries = db.prepare('SELECT id, parent_id, location_id, name_text FROM entries').all() as {
    id: number;
    parent_id: number | null;
    location_id: number;
    name_text: string;
  }[];
  const byId = new Map(entries.map((e) => [e.id, e]));
  const pathOf = (id: unknown): unknown => {
    if (typeof id !== 'number' || !byId.has(id)) return id;
    const parts: string[] = [];
    for (let e = byId.get(id); e; e = e.parent_id === null ? undefined : byId.get(e.parent_id)) {
      parts.unshift(e.name_text);
    }
    return `${byId.get(id)!.location_id}:${parts.join('/')}`;
  };
  const ENTRY_IDS = new Set(['parent_id', 'entry_id', 'root_entry_id']);
  const tables = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'phasekit_%' ORDER BY name",
    )
    .pluck()
    .all() as string[];
  const out: Record<string, string[]> = {};
  for (const table of tables) {
    const rows = db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[];
    out[table] = rows
      .filter((row) => !(table === 'library_meta' && row.key === 'next_entry_id'))
      .map((row) =>
        JSON.stringify(
          Object.entries(row)
            .filter(([column]) => !column.endsWith('_at'))
            .map(([column, value]) => [
              column,
              Buffer.isBuffer(value)
                ? crypto.createHash('sha256').update(value).digest('hex')
                : ENTRY_IDS.has(column) || (table === 'entries' && column === 'id')
                  ? pathOf(value)
                  : value,
            ]),
        ),
      )
      .sort();
  }
  return out;
}
