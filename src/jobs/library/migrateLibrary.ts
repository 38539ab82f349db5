import type Database from 'better-sqlite3';
import { LIBRARY_MIGRATIONS } from './libraryMigrations.js';
import { LibraryCorruptError } from './LibraryCorruptError.js';
import { LibraryVersionError } from './LibraryVersionError.js';
import { retryBusySync } from './retryBusy.js';
import type { LibraryMigration } from './types.js';

const LIBRARY_TABLES = ['locations', 'entries', 'content_identities', 'thumbnails'];

/**
 * Bring the library schema on `db` to the last of `migrations` and return that version.
 *
 * The version lives in the table `library_meta` (key `schema_version`), not in `PRAGMA user_version`: the
 * library may share its file with the job store, which keeps its own version in `phasekit_meta`, and the one
 * `user_version` slot cannot serve both. Runs in one IMMEDIATE transaction (a savepoint when the caller has
 * one open), so two processes opening the same new file never both migrate.
 *
 * @throws {LibraryVersionError} when the library's version is newer than the last migration.
 * @throws {LibraryCorruptError} when the database has library tables but no version: another program's file.
 */
export function migrateLibrary(
  db: Database.Database,
  migrations: readonly LibraryMigration[] = LIBRARY_MIGRATIONS,
): number {
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new Error(
        `Library migration "${migration.name}" has version ${migration.version}, expected ${i + 1}.`,
      );
    }
  });
  const codeVersion = migrations.length;
  return retryBusySync(db, () =>
    db
      .transaction(() => {
        db.exec('CREATE TABLE IF NOT EXISTS library_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
        const row = db.prepare("SELECT value FROM library_meta WHERE key = 'schema_version'").get() as
          | { value: string }
          | undefined;
        const found = row === undefined ? 0 : Number(row.value);
        if (!Number.isSafeInteger(found) || found < 0) {
          throw new LibraryCorruptError(db.name, `its schema version "${row?.value}" is not a number`);
        }
        if (found > codeVersion) throw new LibraryVersionError(db.name, found, codeVersion);
        if (found === 0) refuseForeignTables(db);
        for (const migration of migrations.slice(found)) db.exec(migration.sql);
        if (found !== codeVersion) {
          db.prepare("INSERT OR REPLACE INTO library_meta (key, value) VALUES ('schema_version', ?)").run(
            String(codeVersion),
          );
        }
        return codeVersion;
      })
      .immediate(),
  );
}

function refuseForeignTables(db: Database.Database): void {
  const placeholders = LIBRARY_TABLES.map(() => '?').join(', ');
  const clash = db
    .prepare(
      `SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN (${placeholders}) ORDER BY name`,
    )
    .pluck()
    .all(...LIBRARY_TABLES) as string[];
  if (clash.length > 0) {
    throw new LibraryCorruptError(
      db.name,
      `it has tables named ${clash.join(', ')} but no library schema version, so it belongs to another program`,
    );
  }
}
