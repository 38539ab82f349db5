import Database from 'better-sqlite3';
import { systemClock } from '../../adapters/systemClock.js';
import type { Clock } from '../../phases/types.js';
import { Library } from './Library.js';
import { LibraryCorruptError } from './LibraryCorruptError.js';
import { LibraryOpenError } from './LibraryOpenError.js';
import { migrateLibrary } from './migrateLibrary.js';

/** Options of {@link openLibrary}. */
export interface OpenLibraryOptions {
  /** Where `createdAt` and `markLocationIndexed` take the time from. Default: the system clock. */
  readonly clock?: Pick<Clock, 'now'>;
  /**
   * How long a write waits for another connection's lock before failing with `SQLITE_BUSY`, in ms. Applies
   * only to a file the library opens itself. Default 5000.
   */
  readonly busyTimeoutMs?: number;
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
 * @throws {LibraryCorruptError} when the file is not a SQLite database, is damaged, or is another program's.
 * @throws {LibraryVersionError} when a newer phasekit wrote the library.
 *
 * @example
 * ```ts
 * const store = new SqliteStore('/home/me/.local/share/phasekit/library.db');
 * const library = openLibrary(store.db);
 * const location = library.upsertLocation('/home/me/Photos');
 * await store.save(jobId, bytes, meta, { atomicWith: () => library.insertEntries(batch) });
 * ```
 */
export function openLibrary(target: string | Database.Database, options: OpenLibraryOptions = {}): Library {
  const owned = typeof target === 'string';
  let db: Database.Database;
  if (typeof target === 'string') {
    try {
      db = new Database(target, { timeout: options.busyTimeoutMs ?? 5000 });
    } catch (error) {
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
    return new Library(db, { owned, clock: options.clock ?? systemClock, schemaVersion });
  } catch (error) {
    if (owned) db.close();
    throw translate(db.name, error);
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
