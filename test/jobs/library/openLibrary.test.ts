import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIBRARY_MIGRATIONS, LIBRARY_SCHEMA_VERSION } from '../../../src/jobs/library/libraryMigrations.js';
import { LibraryCorruptError } from '../../../src/jobs/library/LibraryCorruptError.js';
import { LibraryOpenError } from '../../../src/jobs/library/LibraryOpenError.js';
import { LibraryVersionError } from '../../../src/jobs/library/LibraryVersionError.js';
import { migrateLibrary } from '../../../src/jobs/library/migrateLibrary.js';
import { NotALibraryError } from '../../../src/jobs/library/NotALibraryError.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { makeTempDir } from '../makeTempDir.js';
import { runUnprivileged } from '../unprivileged.js';
import { getLocationByPath, upsertLocation } from '../../../src/jobs/library/locations.js';

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
};

const tables = (db: Database.Database) =>
  db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
const schemaVersion = (db: Database.Database) =>
  db.prepare("SELECT value FROM library_meta WHERE key = 'schema_version'").pluck().get();

describe('openLibrary', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  beforeEach(() => {
    temp = makeTempDir();
    file = path.join(temp.dir, 'library.db');
  });
  afterEach(() => temp.cleanup());

  it('creates the schema on a new file, in WAL mode, and records its version', () => {
    const library = openLibrary(file);
    expect(library.schemaVersion).toBe(LIBRARY_SCHEMA_VERSION);
    expect(library.file).toBe(file);
    expect(library.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(tables(library.db)).toEqual(
      expect.arrayContaining(['content_identities', 'entries', 'library_meta', 'locations', 'thumbnails']),
    );
    expect(schemaVersion(library.db)).toBe(String(LIBRARY_SCHEMA_VERSION));
    expect(library.db.pragma('user_version', { simple: true })).toBe(0); // left to others sharing the file
    library.close();
    expect(library.db.open).toBe(false);
    library.close(); // idempotent
  });

  it('applies migrations once: reopening keeps the data and changes nothing', () => {
    const first = openLibrary(file);
    const location = upsertLocation(first, '/data');
    const schema = first.db.prepare('SELECT sql FROM sqlite_schema ORDER BY name').pluck().all();
    first.close();
    const second = openLibrary(file);
    expect(second.schemaVersion).toBe(LIBRARY_SCHEMA_VERSION);
    expect(second.db.prepare('SELECT sql FROM sqlite_schema ORDER BY name').pluck().all()).toEqual(schema);
    expect(getLocationByPath(second, '/data')).toEqual(location);
    expect(migrateLibrary(second.db)).toBe(LIBRARY_SCHEMA_VERSION);
    second.close();
  });

  it('numbers its migrations 1, 2, 3... and refuses a list with a gap', () => {
    expect(LIBRARY_MIGRATIONS.map((m) => m.version)).toEqual(LIBRARY_MIGRATIONS.map((_, i) => i + 1));
    const db = new Database(':memory:');
    expect(() => migrateLibrary(db, [{ ...LIBRARY_MIGRATIONS[0], version: 2 }])).toThrow(/expected 1/);
    db.close();
  });

  it('brings an older library up to date, step by step', () => {
    const db = new Database(file);
    const extra = { version: 2, name: 'test-extra', sql: 'CREATE TABLE extra (x)' };
    expect(migrateLibrary(db, LIBRARY_MIGRATIONS.slice(0, 1))).toBe(1);
    expect(migrateLibrary(db, [...LIBRARY_MIGRATIONS.slice(0, 1), extra])).toBe(2);
    expect(tables(db)).toContain('extra');
    expect(schemaVersion(db)).toBe('2');
    db.close();
  });

  it('refuses a library newer than the code, naming both versions, and writes nothing', () => {
    openLibrary(file).close();
    const db = new Database(file);
    db.prepare("UPDATE library_meta SET value = '99' WHERE key = 'schema_version'").run();
    db.close();
    const before = fs.readFileSync(file);
    const error = (() => {
      try {
        openLibrary(file);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(LibraryVersionError);
    expect(error).toMatchObject({ foundVersion: 99, codeVersion: LIBRARY_SCHEMA_VERSION, file });
    expect((error as Error).message).toContain('99');
    expect((error as Error).message).toContain(`version ${LIBRARY_SCHEMA_VERSION}`);
    expect((error as Error).message).toMatch(/Upgrade phasekit/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a file that is not a SQLite database with LibraryCorruptError, leaving it as it was', () => {
    const garbage = Buffer.from('this is not a database, just text\n'.repeat(200));
    fs.writeFileSync(file, garbage);
    expect(() => openLibrary(file)).toThrow(LibraryCorruptError);
    try {
      openLibrary(file);
    } catch (error) {
      expect(error).toMatchObject({ name: 'LibraryCorruptError', file });
      expect((error as Error).message).toMatch(/not a SQLite database.*move it aside/s);
      expect((error as Error & { cause: { code: string } }).cause.code).toBe('SQLITE_NOTADB');
    }
    expect(fs.readFileSync(file).equals(garbage)).toBe(true);
  });

  it('refuses another program’s SQLite database that has tables with the library’s names', () => {
    const db = new Database(file);
    db.exec('CREATE TABLE entries (whatever TEXT)');
    db.close();
    expect(() => openLibrary(file)).toThrow(/tables named entries.*another program/);
    expect(() => openLibrary(file)).toThrow(LibraryCorruptError);
  });

  it('says what to do when the directory does not exist or is not writable', () => {
    const missing = path.join(temp.dir, 'no', 'such', 'dir', 'library.db');
    expect(() => openLibrary(missing)).toThrow(LibraryOpenError);
    expect(() => openLibrary(missing)).toThrow(/directory exists and is writable/);
  });

  // As an unprivileged user: root writes into a read-only directory anyway.
  it('says what to do when the directory is not writable', () => {
    const locked = path.join(temp.dir, 'locked');
    fs.mkdirSync(locked, { mode: 0o500 });
    fs.chmodSync(temp.dir, 0o755);
    const name = runUnprivileged(
      (dist) => `import { openLibrary } from ${dist('jobs/library/openLibrary.js')};
        try { openLibrary(${JSON.stringify(path.join(locked, 'library.db'))}); console.log('opened'); }
        catch (e) { console.log(e.name); }`,
    );
    expect(name).toBe('LibraryOpenError');
    expect(fs.readdirSync(locked)).toEqual([]);
  });

  it('uses a connection passed in as it is and never closes it', () => {
    const db = new Database(':memory:');
    const library = openLibrary(db);
    expect(library.db).toBe(db);
    expect(library.file).toBe(':memory:');
    upsertLocation(library, '/x');
    library.close();
    expect(db.open).toBe(true);
    expect(getLocationByPath(openLibrary(db), '/x')).toBeDefined();
    db.close();
  });

  it('takes the time of new locations from the clock it is given', () => {
    const library = openLibrary(file, { clock: { now: () => 1234 } });
    expect(upsertLocation(library, '/x').createdAt).toBe(1234);
    library.close();
  });

  describe('another program’s SQLite file', () => {
    for (const journal of ['delete', 'wal'] as const) {
      it(`is refused with NotALibraryError and left byte-identical (${journal} journal)`, () => {
        const db = new Database(file);
        db.pragma(`journal_mode = ${journal}`);
        db.exec("CREATE TABLE photos (path TEXT, hash TEXT); INSERT INTO photos VALUES ('a.jpg', 'x');");
        db.exec('CREATE TABLE albums (name TEXT)');
        db.close();
        const before = sha256(file);
        const listing = fs.readdirSync(temp.dir).sort();
        const error = thrown(() => openLibrary(file));
        expect(error).toBeInstanceOf(NotALibraryError);
        expect(error).toBeInstanceOf(LibraryCorruptError);
        expect(error).toMatchObject({ name: 'NotALibraryError', file, tables: ['albums', 'photos'] });
        expect((error as Error).message).toMatch(
          /tables named albums, photos.*another program.*left untouched.*--library FILE/s,
        );
        expect(sha256(file)).toBe(before);
        // A reader of a WAL database shares its -shm index (SQLite creates it for any reader); a rollback
        // journal database gets no file beside it.
        if (journal === 'delete') expect(fs.readdirSync(temp.dir).sort()).toEqual(listing);
        const after = new Database(file, { readonly: true });
        expect(tables(after)).toEqual(['albums', 'photos']);
        expect(after.pragma('journal_mode', { simple: true })).toBe(journal);
        after.close();
      });
    }

    it('an empty file, a database without tables and a job-store file become libraries', () => {
      fs.writeFileSync(file, '');
      openLibrary(file).close();
      const tableless = path.join(temp.dir, 'tableless.db');
      const db = new Database(tableless);
      db.pragma('user_version = 7');
      db.close();
      expect(fs.statSync(tableless).size).toBeGreaterThan(0);
      const second = openLibrary(tableless);
      expect(second.schemaVersion).toBe(LIBRARY_SCHEMA_VERSION);
      second.close();
      const storeFile = path.join(temp.dir, 'store.db');
      void new SqliteStore(storeFile).close();
      const third = openLibrary(storeFile);
      expect(upsertLocation(third, '/x').path.toString()).toBe('/x');
      third.close();
    });
  });
});
