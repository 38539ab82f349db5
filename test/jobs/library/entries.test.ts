import path from 'node:path';
import { unhashedFiles } from '../../../src/jobs/indexer/indexerQueries.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EntryExistsError } from '../../../src/jobs/library/EntryExistsError.js';
import { EntryNotFoundError } from '../../../src/jobs/library/EntryNotFoundError.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import type { LocationRow, NewEntry } from '../../../src/jobs/library/types.js';
import { makeTempDir } from '../makeTempDir.js';
import { setContentIds } from '../../../src/jobs/library/contentIdentities.js';
import {
  childrenOf,
  deleteEntries,
  entriesOfLocation,
  findByInode,
  findEntry,
  getEntry,
  insertEntries,
  pathOf,
  reserveEntryIds,
  updateEntries,
} from '../../../src/jobs/library/entries.js';
import { upsertLocation } from '../../../src/jobs/library/locations.js';

const b = (text: string) => Buffer.from(text);

describe('Library entries', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let library: Library;
  let loc: LocationRow;
  /** Insert in a transaction of its own, as a job's atomicWith would. */
  const insert = (rows: NewEntry[]) => library.db.transaction(() => insertEntries(library, rows))();
  const file = (parentId: number, name: string, extra: Partial<NewEntry> = {}): NewEntry => ({
    locationId: loc.id,
    parentId,
    name: b(name),
    kind: 'file',
    ...extra,
  });

  beforeEach(() => {
    temp = makeTempDir();
    library = openLibrary(path.join(temp.dir, 'library.db'));
    loc = upsertLocation(library, '/data');
  });
  afterEach(() => {
    library.close();
    temp.cleanup();
  });

  it('inserts a batch, returning ids in order, and reads every column back', () => {
    const [dir] = insert([{ locationId: loc.id, parentId: loc.rootEntryId, name: b('docs'), kind: 'dir' }]);
    const mtimeMs = 1712345678901.1235; // sub-millisecond, as fs.Stats gives it
    const ids = insert([
      file(dir, 'a.txt', {
        extension: 'txt',
        size: 10,
        inode: 42,
        device: 2049,
        mtimeMs,
        ctimeMs: mtimeMs + 1,
        mode: 0o100644,
      }),
      file(dir, 'b.txt', { nameText: 'B for display', size: 20 }),
    ]);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0] + 1);
    expect(getEntry(library, ids[0])).toEqual({
      id: ids[0],
      locationId: loc.id,
      parentId: dir,
      name: b('a.txt'),
      nameText: 'a.txt',
      extension: 'txt',
      kind: 'file',
      size: 10,
      aggregateSize: 0,
      childCount: 0,
      fileCount: 0,
      inode: 42,
      device: 2049,
      mtimeMs,
      ctimeMs: mtimeMs + 1,
      mode: 0o100644,
      contentId: null,
      mime: null,
      width: null,
      height: null,
      orientation: null,
      symlinkTarget: null,
    });
    expect(getEntry(library, ids[1])?.nameText).toBe('B for display');
    expect(getEntry(library, 12345)).toBeUndefined();
  });

  it('takes ids chosen by the caller, and never hands them out again', () => {
    const [x, y] = insert([file(loc.rootEntryId, 'x', { id: 1000 }), file(loc.rootEntryId, 'y')]);
    expect(x).toBe(1000);
    expect(getEntry(library, y)?.name).toEqual(b('y'));
    expect(() => insert([file(loc.rootEntryId, 'z', { id: 1000 })])).toThrow(EntryExistsError);
    expect(reserveEntryIds(library, 1)).toBeGreaterThan(1000);
  });

  it('reserves id ranges that no other reservation or insert takes', () => {
    const first = reserveEntryIds(library, 100);
    const second = reserveEntryIds(library, 5);
    expect(second).toBeGreaterThanOrEqual(first + 100);
    // Ids of the first range, used later and out of order, never collide with inserts made meanwhile.
    const [auto] = insert([file(loc.rootEntryId, 'auto')]);
    expect(auto).toBeGreaterThanOrEqual(second + 5);
    const other = upsertLocation(library, '/other');
    expect(other.rootEntryId).toBeGreaterThan(auto);
    expect(
      insert([
        file(loc.rootEntryId, 'late', { id: first + 50 }),
        file(loc.rootEntryId, 'early', { id: first }),
      ]),
    ).toEqual([first + 50, first]);
    expect(() => reserveEntryIds(library, 0)).toThrow(RangeError);
    expect(() => reserveEntryIds(library, 1.5)).toThrow(RangeError);
  });

  it('keeps reservations across a reopen, and rolls one back with the caller’s transaction', () => {
    const first = reserveEntryIds(library, 10);
    library.close();
    library = openLibrary(path.join(temp.dir, 'library.db'));
    const after = reserveEntryIds(library, 1);
    expect(after).toBe(first + 10);
    try {
      library.db.transaction(() => {
        reserveEntryIds(library, 1000);
        throw new Error('rollback');
      })();
    } catch {}
    expect(reserveEntryIds(library, 1)).toBe(after + 1);
  });

  it('refuses a second entry with the same location, parent and name bytes, and the transaction rolls back', () => {
    insert([file(loc.rootEntryId, 'same')]);
    let error: unknown;
    try {
      insert([file(loc.rootEntryId, 'other'), file(loc.rootEntryId, 'same')]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EntryExistsError);
    expect(error).toMatchObject({ locationId: loc.id, parentId: loc.rootEntryId, entryName: b('same') });
    expect((error as Error).message).toMatch(/"same".*updateEntries/);
    expect(findEntry(library, loc.id, loc.rootEntryId, b('other'))).toBeUndefined();
    // The same name in another directory or location is fine.
    const other = upsertLocation(library, '/other');
    const [dir] = insert([{ locationId: loc.id, parentId: loc.rootEntryId, name: b('d'), kind: 'dir' }]);
    insert([file(dir, 'same'), { ...file(other.rootEntryId, 'same'), locationId: other.id }]);
  });

  it('refuses a second root for a location', () => {
    expect(() =>
      library.db
        .prepare(
          "INSERT INTO entries (location_id, parent_id, name, name_text, kind) VALUES (?, NULL, x'', '', 'dir')",
        )
        .run(loc.id),
    ).toThrow(/UNIQUE/);
  });

  it('finds entries by parent and name, by inode, and lists children by name', () => {
    const [dir] = insert([{ locationId: loc.id, parentId: loc.rootEntryId, name: b('d'), kind: 'dir' }]);
    const [c, a, bb] = insert([
      file(dir, 'c', { inode: 7, device: 1 }),
      file(dir, 'a', { inode: 8, device: 1 }),
      file(dir, 'b', { inode: 7, device: 1 }), // a hard link of c
    ]);
    expect(findEntry(library, loc.id, dir, b('a'))?.id).toBe(a);
    expect(findEntry(library, loc.id, dir, b('zz'))).toBeUndefined();
    expect(findEntry(library, loc.id, loc.rootEntryId, b('a'))).toBeUndefined();
    expect(findByInode(library, loc.id, 7, 1).map((e) => e.id)).toEqual([c, bb]);
    expect(findByInode(library, loc.id, 7, 2)).toEqual([]);
    expect(childrenOf(library, dir).map((e) => e.name.toString())).toEqual(['a', 'b', 'c']);
    expect(childrenOf(library, loc.rootEntryId).map((e) => e.id)).toEqual([dir]);
    expect(childrenOf(library, a)).toEqual([]);
  });

  it('iterates the entries of one location with the columns change detection needs', () => {
    const other = upsertLocation(library, '/other');
    const [dir] = insert([
      { locationId: loc.id, parentId: loc.rootEntryId, name: b('d'), kind: 'dir', mtimeMs: 5 },
    ]);
    const [f] = insert([file(dir, 'f', { size: 3, mtimeMs: 6.5, inode: 9, device: 1 })]);
    insert([{ ...file(other.rootEntryId, 'elsewhere'), locationId: other.id }]);
    const seen = [...entriesOfLocation(library, loc.id)];
    expect(seen).toEqual([
      {
        id: loc.rootEntryId,
        parentId: null,
        name: b(''),
        kind: 'dir',
        size: 0,
        mtimeMs: null,
        inode: null,
        device: null,
      },
      {
        id: dir,
        parentId: loc.rootEntryId,
        name: b('d'),
        kind: 'dir',
        size: 0,
        mtimeMs: 5,
        inode: null,
        device: null,
      },
      { id: f, parentId: dir, name: b('f'), kind: 'file', size: 3, mtimeMs: 6.5, inode: 9, device: 1 },
    ]);
  });

  it('updates only the columns given: a modification, a move, aggregates, deep fields', () => {
    const [d1, d2] = insert([
      { locationId: loc.id, parentId: loc.rootEntryId, name: b('d1'), kind: 'dir' },
      { locationId: loc.id, parentId: loc.rootEntryId, name: b('d2'), kind: 'dir' },
    ]);
    const [f] = insert([file(d1, 'f.jpg', { extension: 'jpg', size: 1, mtimeMs: 1, inode: 5, device: 1 })]);
    const changed = library.db.transaction(() =>
      updateEntries(library, [
        { id: f, size: 2, mtimeMs: 2.5, mime: 'image/jpeg', width: 640, height: 480, orientation: 6 },
        { id: d1, aggregateSize: 2, childCount: 1, fileCount: 1 },
        { id: d2 }, // nothing to change
      ]),
    )();
    expect(changed).toBe(2);
    expect(getEntry(library, f)).toMatchObject({
      size: 2,
      mtimeMs: 2.5,
      inode: 5,
      extension: 'jpg',
      width: 640,
      orientation: 6,
    });
    expect(getEntry(library, d1)).toMatchObject({ aggregateSize: 2, childCount: 1, fileCount: 1 });

    updateEntries(library, [{ id: f, parentId: d2, name: b('g.jpg') }]);
    const moved = getEntry(library, f)!;
    expect(moved).toMatchObject({ parentId: d2, name: b('g.jpg'), nameText: 'g.jpg', inode: 5, size: 2 });
    expect(pathOf(library, f).toString()).toBe('/data/d2/g.jpg');
    updateEntries(library, [{ id: f, extension: null }]);
    expect(getEntry(library, f)?.extension).toBeNull();
  });

  it('refuses a move onto an existing name, and fields it must not change', () => {
    const [x, y] = insert([file(loc.rootEntryId, 'x'), file(loc.rootEntryId, 'y')]);
    expect(() => updateEntries(library, [{ id: y, name: b('x') }])).toThrow(EntryExistsError);
    expect(getEntry(library, x)?.name).toEqual(b('x'));
    expect(getEntry(library, y)?.name).toEqual(b('y'));
    const sneaky = { id: x, contentId: 'abc' } as unknown as Parameters<typeof updateEntries>[1][0];
    expect(() => updateEntries(library, [sneaky])).toThrow(/setContentIds/);
  });

  it('deletes entries with everything under them, and refuses the root', () => {
    const [d] = insert([{ locationId: loc.id, parentId: loc.rootEntryId, name: b('d'), kind: 'dir' }]);
    const [sub, f1] = insert([
      { locationId: loc.id, parentId: d, name: b('sub'), kind: 'dir' },
      file(d, 'f1'),
    ]);
    const [f2] = insert([file(sub, 'f2')]);
    const [keep] = insert([file(loc.rootEntryId, 'keep')]);
    expect(library.db.transaction(() => deleteEntries(library, [d, f2, 99999]))()).toBe(4);
    for (const id of [d, sub, f1, f2]) expect(getEntry(library, id)).toBeUndefined();
    expect(getEntry(library, keep)).toBeDefined();
    expect(() => deleteEntries(library, [loc.rootEntryId])).toThrow(/deleteLocation/);
  });

  it('gives the absolute path of an entry as bytes', () => {
    const [d] = insert([{ locationId: loc.id, parentId: loc.rootEntryId, name: b('a b'), kind: 'dir' }]);
    const [f] = insert([file(d, 'c.txt')]);
    expect(pathOf(library, f)).toEqual(b('/data/a b/c.txt'));
    expect(pathOf(library, d)).toEqual(b('/data/a b'));
    expect(pathOf(library, loc.rootEntryId)).toEqual(b('/data'));
    const root = upsertLocation(library, '/');
    const [top] = insert([{ ...file(root.rootEntryId, 'etc'), locationId: root.id }]);
    expect(pathOf(library, top)).toEqual(b('/etc'));
    expect(() => pathOf(library, 424242)).toThrow(EntryNotFoundError);
  });

  it('pages through the files that still need a content id', () => {
    const ids = insert([
      file(loc.rootEntryId, 'a', { size: 1 }),
      file(loc.rootEntryId, 'empty', { size: 0 }),
      { locationId: loc.id, parentId: loc.rootEntryId, name: b('dir'), kind: 'dir' },
      file(loc.rootEntryId, 'b', { size: 2 }),
      file(loc.rootEntryId, 'c', { size: 3 }),
    ]);
    setContentIds(library, [{ id: ids[3], contentId: 'x' }]);
    const page = (afterId: number, limit: number) =>
      unhashedFiles(library, loc.id, afterId, limit).map(({ id, size }) => ({ id, size }));
    expect(page(0, 1000)).toEqual([
      { id: ids[0], size: 1 },
      { id: ids[4], size: 3 },
    ]);
    expect(page(ids[0], 1)).toEqual([{ id: ids[4], size: 3 }]);
  });

  it('inserts 100,000 entries in one transaction quickly', () => {
    const rows: NewEntry[] = [];
    for (let i = 0; i < 100_000; i++) {
      rows.push(
        file(loc.rootEntryId, `file-${i}.bin`, { size: i, inode: i + 1, device: 1, mtimeMs: 1.5e12 + i }),
      );
    }
    const started = performance.now();
    const ids = insert(rows);
    const ms = performance.now() - started;
    expect(ids).toHaveLength(100_000);
    expect(library.db.prepare('SELECT count(*) FROM entries').pluck().get()).toBe(100_001);
    expect(ms).toBeLessThan(10_000); // 0.5–1.5 s here; generous for a loaded CI machine
  });
});
