import fs from 'node:fs';
import Database from 'better-sqlite3';
import { systemClock } from '../../adapters/systemClock.js';
import type { Clock } from '../../phases/types.js';
import type { LibraryBusyError } from './LibraryBusyError.js';
import { Library } from './Library.js';
import { LibraryCorruptError } from './LibraryCorruptError.js';
import { LibraryOpenError } from './LibraryOpenError.js';
import { migrateLibrary } from './migrateLibrary.js';
import { NotALibraryError } from './NotALibraryError.js';

/** Options of {@link openLibrary}. */
export interface OpenLibraryOptions {
  /** Where `createdAt` and `markLocationIndexed` take the time from. Default: the system clock. */
  readonly clock?: Pick<Clock, 'now'>;
  /**
   * How long a write waits for another connection's lock before failing with `SQLITE_BUSY`, in ms. Applies
   * only to a file the library opens itself. Default 5000.
   */
  readonly busyTimeoutMs?: number;
  /**
   * How long the library's own transactions (locations, id reservations, migrations) keep retrying a busy
   * database, with backoff, before a {@link LibraryBusyError}. Default 10 minutes.
   */
  readonly busyRetryMs?: number;
}

/**
 * Open (or create) a library and bring its schema up to date.
 *
 * Given a path, the library opens the file in WAL mode with `synchronous = NORMAL` (a commit survives the
 * process being killed; only an OS crash can lose the last commits) and closes it in `library.close()`.
 * Given an open better-sqlite3 connection, typically `SqliteStore.db` so that a batch of entries and the job's
 * checkpoint commit in one transaction, it uses that connection as it is configured and never closes it.
 *
 * @throws {LibraryOpenError} when the file cannot be opened or created (missing directory, permissions).
 * @throws {NotALibraryError} (a {@link LibraryCorruptError}) when the file is another program's SQLite database:
 *   it has tables but no library schema version and not only phasekit's own tables. The file is left
 *   byte for byte as it was. An empty file, or a database without tables, becomes a library.
 * @throws {LibraryCorruptError} when the file is not a SQLite database or is damaged.
 * @throws {LibraryVersionError} when a newer phasekit wrote the library.
 *
 * @example
 * ```ts
 * const store = new SqliteStore('/home/me/.local/share/phasekit/library.db');
 * const library = openLibrary(store.db);
 * const location = upsertLocation(library, '/home/me/Photos');
 * await store.save(jobId, bytes, meta, { atomicWith: () => insertEntries(library, batch) });
 * ```
 */
export function openLibrary(target: string | Database.Database, options: OpenLibraryOptions = {}): Library {
  const owned = typeof target === 'string';
  let db: Database.Database;
  if (typeof target === 'string') {
    try {
      refuseForeignFile(target);
      db = new Database(target, { timeout: options.busyTimeoutMs ?? 5000 });
    } catch (error) {
      // A refusal says what it is; anything else (a folder we may not enter, a file we may not read) is an
      // open error that says what to do.
      if (error instanceof LibraryCorruptError) throw error;
      throw new LibraryOpenError(target, error);
    }
  } else {
    db = target;
  }
  try {
    if (owned) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    const schemaVersion = migrateLibrary(db);
    return new Library(db, {
      owned,
      clock: options.clock ?? systemClock,
      schemaVersion,
      ...(options.busyRetryMs === undefined ? {} : { busyRetryMs: options.busyRetryMs }),
    });
  } catch (error) {
    if (owned) db.close();
    throw translate(db.name, error);
  }
}

/**
 * Look into an existing, non-empty file through a read-only connection, before anything can write to it (the
 * switch to WAL mode rewrites its header): refuse a database that has tables of its own and no library schema
 * version. phasekit's job store tables (`phasekit_*`) are phasekit's: a store file may become a library.
 */
function refuseForeignFile(file: string): void {
  const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  if (size === 0) return;
  let probe: Database.Database | undefined;
  try {
    probe = new Database(file, { readonly: true, fileMustExist: true });
    const tables = probe
      .prepare(
        "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
      )
      .pluck()
      .all() as string[];
    if (tables.length === 0) return;
    if (tables.includes('library_meta')) {
      const version = probe
        .prepare("SELECT value FROM library_meta WHERE key = 'schema_version'")
        .pluck()
        .get();
      if (version !== undefined) return; // a library: migrateLibrary checks its version
    }
    const foreign = tables.filter((t) => t !== 'library_meta' && !t.startsWith('phasekit_'));
    if (foreign.length > 0) throw new NotALibraryError(file, foreign);
  } catch (error) {
    if (error instanceof NotALibraryError) throw error;
    throw translate(file, error);
  } finally {
    probe?.close();
  }
}

/** SQLite's result codes, as better-sqlite3 names them, turned into errors that say what to do. */
function translate(file: string, error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  if (code === 'SQLITE_NOTADB') return new LibraryCorruptError(file, 'it is not a SQLite database', error);
  if (code.startsWith('SQLITE_CORRUPT'))
    return new LibraryCorruptError(file, 'its database is damaged', error);
  if (/^SQLITE_(CANTOPEN|READONLY|PERM|AUTH|IOERR)/.test(code)) return new LibraryOpenError(file, error);
  return error;
}
