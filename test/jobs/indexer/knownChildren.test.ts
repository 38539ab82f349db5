import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { KNOWN_ENTRIES, KNOWN_GROUPS, knownChildren } from '../../../src/jobs/indexer/indexerQueries.js';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import { KnownChildren } from '../../../src/jobs/indexer/walk/KnownChildren.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { runJob } from '../../../src/machines/runJob.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { tempDir } from '../../machines/helpers.js';
import { BAD_NAME, makeTree } from './tree.js';

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

async function index(library: Library, root: string): Promise<number> {
  const result = await runJob(
    indexerJob,
    { path: root, batchSize: 3 },
    { store: new SqliteStore(library.db), deps: { library } },
  ).result;
  expect(result.status).toBe('completed');
  return result.output!.locationId!;
}

/** A query that fails as the grouped read of a directory too large for one SQLite string does. */
const TOO_BIG = 'SELECT 1, zeroblob(2000000000) WHERE ? IS NOT NULL';

it.each([
  ['one text per directory', KNOWN_GROUPS, 'groups'],
  ['rows, when a directory is too large for one text', TOO_BIG, 'rows'],
] as const)(
  "hands out each directory's library children once, keyed by the hex of their name bytes in byte order, as a query per directory finds them (read by %s)",
  async (_, sql, readBy) => {
    const dir = tempDir();
    const root = path.join(dir, 'tree');
    makeTree(root);
    const library = openLibrary(path.join(dir, 'library.db'));
    open.push(library);
    await index(library, root);
    // A second index adds rows under old directories: their ids come after every other row's, so a
    // directory's children are no longer one run of ids (the read must group them by parent).
    fs.writeFileSync(path.join(root, 'docs', 'late.txt'), 'late');
    fs.writeFileSync(path.join(root, 'zz-late.txt'), 'late');
    fs.mkdirSync(path.join(root, 'docs', 'deep', 'later'));
    // A ctime apart from the mtime (the text writes `=` for one equal to it), and a row with neither.
    fs.utimesSync(path.join(root, 'docs', 'late.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const locationId = await index(library, root);
    const late = library.db
      .prepare("SELECT id FROM entries WHERE location_id = ? AND name = CAST('zz-late.txt' AS BLOB)")
      .pluck()
      .get(locationId);
    library.db.prepare('UPDATE entries SET mtime_ms = NULL, ctime_ms = NULL WHERE id = ?').run(late);
    const times = library.db
      .prepare(
        'SELECT sum(ctime_ms = mtime_ms), sum(ctime_ms <> mtime_ms), sum(ctime_ms IS NULL) FROM entries WHERE location_id = ? AND parent_id IS NOT NULL',
      )
      .raw()
      .get(locationId) as number[];
    expect(
      times.every((n) => n > 0),
      `equal, apart, null: ${times}`,
    ).toBe(true);
    const dirs = library.db
      .prepare("SELECT id FROM entries WHERE location_id = ? AND kind = 'dir'")
      .pluck()
      .all(locationId) as number[];
    expect(dirs.length).toBeGreaterThan(5);
    const known = new KnownChildren(library, locationId, sql);
    let names = 0;
    for (const id of dirs) {
      const want = knownChildren(library, locationId, id)
        .map((c) => [
          c.name.toString('hex'),
          [c.id, id, c.name.toString('hex'), c.kind, c.size, c.mtimeMs, c.inode, c.ctimeMs, c.device],
        ])
        .sort((a, b) =>
          Buffer.compare(Buffer.from(a[0] as string, 'hex'), Buffer.from(b[0] as string, 'hex')),
        );
      // In the order the diff hands out missing entries: their names' bytes.
      const got = [...known.take(id)];
      expect(known.readBy).toBe(readBy);
      expect(got, `children of ${id}`).toEqual(want);
      names += got.length;
      expect(known.take(id).size).toBe(0); // asked once
    }
    expect(names).toBe(
      library.db
        .prepare('SELECT count(*) FROM entries WHERE location_id = ? AND parent_id IS NOT NULL')
        .pluck()
        .get(locationId),
    );
    const bad = [...new KnownChildren(library, locationId, sql).take(dirs[0])].length; // a fresh read again
    expect(bad).toBeGreaterThan(0);
    expect(
      dirs.some((id) => knownChildren(library, locationId, id).some((c) => c.name.equals(BAD_NAME))),
    ).toBe(true);
  },
);

it('reads the location in one pass of the (location, parent, name) index, already in parent order', () => {
  const library = openLibrary(path.join(tempDir(), 'library.db'));
  open.push(library);
  const sql = library.db
    .prepare("SELECT sql FROM sqlite_schema WHERE name = 'entries'")
    .pluck()
    .get() as string;
  expect(sql).toContain('UNIQUE (location_id, parent_id, name)');
  const plan = library.db.prepare(`EXPLAIN QUERY PLAN ${KNOWN_ENTRIES}`).all(1) as { detail: string }[];
  // No "USE TEMP B-TREE FOR ORDER BY": the rows stream out of the index in parent order.
  expect(plan.map((p) => p.detail)).toEqual([
    'SEARCH entries USING INDEX sqlite_autoindex_entries_1 (location_id=? AND parent_id>?)',
  ]);
});

it('reads the grouped texts in one pass of the same index', () => {
  const library = openLibrary(path.join(tempDir(), 'library.db'));
  open.push(library);
  const plan = library.db.prepare(`EXPLAIN QUERY PLAN ${KNOWN_GROUPS}`).all(1) as { detail: string }[];
  expect(plan.map((p) => p.detail)).toEqual([
    'SEARCH entries USING INDEX sqlite_autoindex_entries_1 (location_id=? AND parent_id>?)',
    'USE TEMP B-TREE FOR group_concat(ORDER BY)',
  ]);
});

it("the bundled SQLite writes a REAL as text that reads back as the same double (the grouped read's mtimes)", () => {
  const library = openLibrary(path.join(tempDir(), 'library.db'));
  open.push(library);
  const db = library.db;
  db.exec('CREATE TEMP TABLE doubles (x REAL)');
  const insert = db.prepare('INSERT INTO doubles VALUES (?)');
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const values: number[] = [0.1, 1 / 3, 2 ** 53 - 1, 2 ** 60 + 2 ** 8, 1e21, 1e-300, -1.5e12, 5e-324];
  for (let i = 0; i < 20_000; i++) {
    values.push(1.7e12 + random() * 1e11 + random(), random() * 10 ** Math.floor(random() * 30), -random());
  }
  db.transaction(() => {
    for (const v of values) insert.run(v);
  })();
  const back = db.prepare("SELECT x, x || '' FROM doubles").raw().all() as [number, string][];
  const differ = back.filter(([x, text]) => Number(text) !== x);
  expect(differ).toEqual([]);
  expect(back.length).toBe(values.length);
});
