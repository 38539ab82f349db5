import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { insertNewEntries } from '../../../../src/jobs/indexer/writes/insertNewEntries.js';
import { insertEntries, reserveEntryIds } from '../../../../src/jobs/library/entries.js';
import { EntryExistsError } from '../../../../src/jobs/library/EntryExistsError.js';
import type { Library } from '../../../../src/jobs/library/Library.js';
import { INSERT_ENTRY } from '../../../../src/jobs/library/librarySql.js';
import { upsertLocation } from '../../../../src/jobs/library/locations.js';
import { openLibrary } from '../../../../src/jobs/library/openLibrary.js';
import type { NewEntry } from '../../../../src/jobs/library/types.js';
import { tempDir } from '../../../machines/helpers.js';

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

function newLibrary(): { library: Library; locationId: number; rootId: number } {
  const library = openLibrary(path.join(tempDir(), 'library.db'));
  open.push(library);
  const location = upsertLocation(library, tempDir());
  return { library, locationId: location.id, rootId: location.rootEntryId };
}

function rows(library: Library, locationId: number, rootId: number, count: number): NewEntry[] {
  const first = count === 0 ? 1 : reserveEntryIds(library, count);
  return Array.from({ length: count }, (_, i) => ({
    id: first + i,
    locationId,
    parentId: rootId,
    name: Buffer.from(`f${i}.txt`),
    nameText: `f${i}.txt`,
    extension: i % 3 ? 'txt' : null,
    kind: i % 5 ? ('file' as const) : ('symlink' as const),
    size: i * 7,
    inode: 1000 + i,
    device: 42,
    mtimeMs: 1.5 + i,
    ctimeMs: 2.25 + i,
    mode: 0o100644,
    symlinkTarget: i % 5 ? null : Buffer.from(`target${i}`),
  }));
}

const dump = (library: Library) =>
  library.db
    .prepare('SELECT * FROM entries WHERE parent_id IS NOT NULL ORDER BY id')
    .raw()
    .all()
    .map((r) => (r as unknown[]).slice(1)); // ids come from each library's own counter

describe('insertNewEntries', () => {
  it.each([0, 1, 63, 64, 65, 127, 128, 1000])(
    'writes exactly the rows insertEntries writes (%i rows)',
    (n) => {
      const a = newLibrary();
      const b = newLibrary();
      a.library.db.transaction(() =>
        insertNewEntries(a.library, rows(a.library, a.locationId, a.rootId, n)),
      )();
      b.library.db.transaction(() => insertEntries(b.library, rows(b.library, b.locationId, b.rootId, n)))();
      expect(dump(a.library)).toHaveLength(n);
      expect(dump(a.library)).toEqual(dump(b.library));
    },
  );

  it('puts the rest of a batch in statements of 32, 16, ... rows, not one statement per row', () => {
    const { library, locationId, rootId } = newLibrary();
    const batch = rows(library, locationId, rootId, 1000 - 64);
    const prepared: string[] = [];
    const get = library.statements.get.bind(library.statements);
    library.statements.get = (sql: string) => {
      prepared.push(sql);
      return get(sql);
    };
    library.db.transaction(() => insertNewEntries(library, batch))();
    expect(prepared).not.toContain(INSERT_ENTRY);
    // 936 = 14 * 64 + 32 + 8: one statement text per size used.
    expect(prepared.map((sql) => sql.split('(?').length - 1)).toEqual([64, 32, 8]);
  });

  it('throws EntryExistsError naming the duplicate when it is in the rest of a batch', () => {
    const { library, locationId, rootId } = newLibrary();
    const batch = rows(library, locationId, rootId, 64 + 5);
    batch[64 + 3] = { ...batch[64 + 3], name: batch[64 + 1].name };
    expect(() => library.db.transaction(() => insertNewEntries(library, batch))()).toThrow(EntryExistsError);
    try {
      library.db.transaction(() => insertNewEntries(library, batch))();
    } catch (error) {
      expect((error as EntryExistsError).entryName.toString()).toBe('f65.txt');
    }
    expect(dump(library)).toEqual([]);
  });
});
