import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';

describe('Library locations', () => {
  let db: Database.Database;
  let library: Library;
  let now: number;
  beforeEach(() => {
    db = new Database(':memory:');
    now = 1000;
    library = openLibrary(db, { clock: { now: () => now } });
  });
  afterEach(() => db.close());

  it('creates a location once, with its root entry, and finds it by path', () => {
    const location = library.upsertLocation('/home/me/Photos', { mode: 'content' });
    expect(location).toMatchObject({
      path: Buffer.from('/home/me/Photos'),
      pathText: '/home/me/Photos',
      createdAt: 1000,
      lastIndexedAt: null,
      options: { mode: 'content' },
    });
    const root = library.getEntry(location.rootEntryId)!;
    expect(root).toMatchObject({
      locationId: location.id,
      parentId: null,
      kind: 'dir',
      name: Buffer.alloc(0),
    });
    now = 2000;
    expect(library.upsertLocation('/home/me/Photos')).toEqual(location); // options kept, nothing new
    expect(library.getLocationByPath('/home/me/Photos')).toEqual(location);
    expect(library.getLocation(location.id)).toEqual(location);
    expect(library.listLocations()).toEqual([location]);
    expect(db.prepare('SELECT count(*) FROM entries').pluck().get()).toBe(1);
  });

  it('replaces the options when given again', () => {
    library.upsertLocation('/a', { rules: ['hidden'] });
    expect(library.upsertLocation('/a', { rules: [] }).options).toEqual({ rules: [] });
    expect(library.upsertLocation('/a').options).toEqual({ rules: [] });
  });

  it('normalizes paths: trailing separators and dot segments name the same location', () => {
    const a = library.upsertLocation('/srv/data/');
    expect(library.upsertLocation('/srv/./other/../data').id).toBe(a.id);
    expect(library.getLocationByPath(Buffer.from('/srv/data//'))?.id).toBe(a.id);
    expect(library.upsertLocation('/').path).toEqual(Buffer.from('/'));
  });

  it('refuses a relative path', () => {
    expect(() => library.upsertLocation('photos')).toThrow(/must be absolute/);
    expect(() => library.getLocationByPath(Buffer.from('photos'))).toThrow(TypeError);
  });

  it('keeps a non-UTF-8 location path byte for byte', () => {
    const bytes = Buffer.concat([Buffer.from('/mnt/'), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('/x')]);
    const location = library.upsertLocation(bytes);
    expect(location.path.equals(bytes)).toBe(true);
    expect(location.pathText).toBe('/mnt/\ufffd\ufffd\ufffd/x');
    expect(library.getLocationByPath(bytes)?.id).toBe(location.id);
    // The lossy display text does not find it: only the bytes do.
    expect(library.getLocationByPath(location.pathText)).toBeUndefined();
  });

  it('records when a location was indexed', () => {
    const location = library.upsertLocation('/a');
    now = 5000;
    library.markLocationIndexed(location.id);
    expect(library.getLocation(location.id)?.lastIndexedAt).toBe(5000);
    library.markLocationIndexed(location.id, 7000);
    expect(library.getLocation(location.id)?.lastIndexedAt).toBe(7000);
  });

  it('deletes a location with all its entries and their content links', () => {
    const keep = library.upsertLocation('/keep');
    const gone = library.upsertLocation('/gone');
    const [kf] = library.insertEntries([
      { locationId: keep.id, parentId: keep.rootEntryId, name: Buffer.from('k'), kind: 'file', size: 3 },
    ]);
    const [dir] = library.insertEntries([
      { locationId: gone.id, parentId: gone.rootEntryId, name: Buffer.from('d'), kind: 'dir' },
    ]);
    const [gf] = library.insertEntries([
      { locationId: gone.id, parentId: dir, name: Buffer.from('g'), kind: 'file', size: 3 },
    ]);
    library.setContentIds([
      { id: kf, contentId: 'c1' },
      { id: gf, contentId: 'c1' },
    ]);
    expect(library.getContentIdentity('c1')?.entryCount).toBe(2);
    expect(library.deleteLocation(gone.id)).toBe(3); // root, d, g
    expect(library.getLocation(gone.id)).toBeUndefined();
    expect(library.getContentIdentity('c1')?.entryCount).toBe(1);
    expect(library.listLocations().map((l) => l.id)).toEqual([keep.id]);
    expect(library.deleteLocation(gone.id)).toBe(0);
  });
});
