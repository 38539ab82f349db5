import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { getContentIdentity, setContentIds } from '../../../src/jobs/library/contentIdentities.js';
import { getEntry, insertEntries } from '../../../src/jobs/library/entries.js';
import {
  deleteLocation,
  getLocation,
  getLocationByPath,
  listLocations,
  markLocationIndexed,
  upsertLocation,
} from '../../../src/jobs/library/locations.js';

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
    const location = upsertLocation(library, '/home/me/Photos', { mode: 'content' });
    expect(location).toMatchObject({
      path: Buffer.from('/home/me/Photos'),
      pathText: '/home/me/Photos',
      createdAt: 1000,
      lastIndexedAt: null,
      options: { mode: 'content' },
    });
    const root = getEntry(library, location.rootEntryId)!;
    expect(root).toMatchObject({
      locationId: location.id,
      parentId: null,
      kind: 'dir',
      name: Buffer.alloc(0),
    });
    now = 2000;
    expect(upsertLocation(library, '/home/me/Photos')).toEqual(location); // options kept, nothing new
    expect(getLocationByPath(library, '/home/me/Photos')).toEqual(location);
    expect(getLocation(library, location.id)).toEqual(location);
    expect(listLocations(library)).toEqual([location]);
    expect(db.prepare('SELECT count(*) FROM entries').pluck().get()).toBe(1);
  });

  it('replaces the options when given again', () => {
    upsertLocation(library, '/a', { rules: ['hidden'] });
    expect(upsertLocation(library, '/a', { rules: [] }).options).toEqual({ rules: [] });
    expect(upsertLocation(library, '/a').options).toEqual({ rules: [] });
  });

  it('normalizes paths: trailing separators and dot segments name the same location', () => {
    const a = upsertLocation(library, '/srv/data/');
    expect(upsertLocation(library, '/srv/./other/../data').id).toBe(a.id);
    expect(getLocationByPath(library, Buffer.from('/srv/data//'))?.id).toBe(a.id);
    expect(upsertLocation(library, '/').path).toEqual(Buffer.from('/'));
  });

  it('refuses a relative path', () => {
    expect(() => upsertLocation(library, 'photos')).toThrow(/must be absolute/);
    expect(() => getLocationByPath(library, Buffer.from('photos'))).toThrow(TypeError);
  });

  it('keeps a non-UTF-8 location path byte for byte', () => {
    const bytes = Buffer.concat([Buffer.from('/mnt/'), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('/x')]);
    const location = upsertLocation(library, bytes);
    expect(location.path.equals(bytes)).toBe(true);
    expect(location.pathText).toBe('/mnt/\ufffd\ufffd\ufffd/x');
    expect(getLocationByPath(library, bytes)?.id).toBe(location.id);
    // The lossy display text does not find it: only the bytes do.
    expect(getLocationByPath(library, location.pathText)).toBeUndefined();
  });

  it('records when a location was indexed', () => {
    const location = upsertLocation(library, '/a');
    now = 5000;
    markLocationIndexed(library, location.id);
    expect(getLocation(library, location.id)?.lastIndexedAt).toBe(5000);
    markLocationIndexed(library, location.id, 7000);
    expect(getLocation(library, location.id)?.lastIndexedAt).toBe(7000);
  });

  it('deletes a location with all its entries and their content links', () => {
    const keep = upsertLocation(library, '/keep');
    const gone = upsertLocation(library, '/gone');
    const [kf] = insertEntries(library, [
      { locationId: keep.id, parentId: keep.rootEntryId, name: Buffer.from('k'), kind: 'file', size: 3 },
    ]);
    const [dir] = insertEntries(library, [
      { locationId: gone.id, parentId: gone.rootEntryId, name: Buffer.from('d'), kind: 'dir' },
    ]);
    const [gf] = insertEntries(library, [
      { locationId: gone.id, parentId: dir, name: Buffer.from('g'), kind: 'file', size: 3 },
    ]);
    setContentIds(library, [
      { id: kf, contentId: 'c1' },
      { id: gf, contentId: 'c1' },
    ]);
    expect(getContentIdentity(library, 'c1')?.entryCount).toBe(2);
    expect(deleteLocation(library, gone.id)).toBe(3); // root, d, g
    expect(getLocation(library, gone.id)).toBeUndefined();
    expect(getContentIdentity(library, 'c1')?.entryCount).toBe(1);
    expect(listLocations(library).map((l) => l.id)).toEqual([keep.id]);
    expect(deleteLocation(library, gone.id)).toBe(0);
  });
});
