import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getContentIdentity, setContentIds } from '../../../src/jobs/library/contentIdentities.js';
import { findEntry, getEntry, insertEntries, updateEntries } from '../../../src/jobs/library/entries.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { CopiedRecorder, recordRemoved } from '../../../src/jobs/library/libraryUpdates.js';
import { upsertLocation } from '../../../src/jobs/library/locations.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { makeTempDir } from '../makeTempDir.js';

/**
 * A location `root/` holding `sub/` with `a` (3 bytes) and `b` (5 bytes), recorded with its totals as an
 * index would leave them.
 */
describe('keeping an indexed tree true after a copy or a delete', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let library: Library;
  let root: string;
  let rootId: number;
  let subId: number;
  beforeEach(() => {
    temp = makeTempDir();
    root = path.join(temp.dir, 'root');
    fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(root, 'sub', 'a'), 'aaa');
    fs.writeFileSync(path.join(root, 'sub', 'b'), 'bbbbb');
    library = openLibrary(path.join(temp.dir, 'library.db'));
    const location = upsertLocation(library, root);
    rootId = location.rootEntryId;
    library.db.transaction(() => {
      [subId] = insertEntries(library, [
        { locationId: location.id, parentId: rootId, name: Buffer.from('sub'), kind: 'dir' },
      ]);
      const [a] = insertEntries(library, [
        { locationId: location.id, parentId: subId, name: Buffer.from('a'), kind: 'file', size: 3 },
        { locationId: location.id, parentId: subId, name: Buffer.from('b'), kind: 'file', size: 5 },
      ]);
      setContentIds(library, [{ id: a, contentId: 'content-a' }]);
      updateEntries(library, [
        { id: subId, aggregateSize: 8, childCount: 2, fileCount: 2 },
        { id: rootId, aggregateSize: 8, childCount: 1, fileCount: 2 },
      ]);
    })();
  });
  afterEach(() => {
    library.close();
    temp.cleanup();
  });

  const totals = (id: number) => {
    const { aggregateSize, childCount, fileCount } = getEntry(library, id)!;
    return { aggregateSize, childCount, fileCount };
  };

  it('a removed file leaves the library and its parent counts one child, one file and its bytes fewer', () => {
    const removed = Buffer.from(path.join(root, 'sub', 'a'));
    library.db.transaction(() => recordRemoved(library, removed))();
    expect(findEntry(library, getEntry(library, subId)!.locationId, subId, Buffer.from('a'))).toBeUndefined();
    expect(totals(subId)).toEqual({ aggregateSize: 5, childCount: 1, fileCount: 1 });
    expect(totals(rootId)).toEqual({ aggregateSize: 5, childCount: 1, fileCount: 1 });
    expect(getContentIdentity(library, 'content-a')?.entryCount).toBe(0);
  });

  it('a copied file is recorded and its parent counts one child, one file and its bytes more', () => {
    const copied = path.join(root, 'sub', 'c');
    fs.writeFileSync(copied, '1234567');
    library.db.transaction(() => new CopiedRecorder(library).record(Buffer.from(copied)))();
    const entry = findEntry(library, getEntry(library, subId)!.locationId, subId, Buffer.from('c'));
    expect(entry).toMatchObject({ kind: 'file', size: 7 });
    expect(totals(subId)).toEqual({ aggregateSize: 15, childCount: 3, fileCount: 3 });
    expect(totals(rootId)).toEqual({ aggregateSize: 15, childCount: 1, fileCount: 3 });
  });

  it('an overwrite updates the entry and its bytes, unlinks its old content and adds no child', () => {
    fs.writeFileSync(path.join(root, 'sub', 'a'), 'aaaaaaaaaa');
    library.db.transaction(() =>
      new CopiedRecorder(library).record(Buffer.from(path.join(root, 'sub', 'a'))),
    )();
    const entry = findEntry(library, getEntry(library, subId)!.locationId, subId, Buffer.from('a'));
    expect(entry).toMatchObject({ size: 10, contentId: null });
    expect(getContentIdentity(library, 'content-a')?.entryCount).toBe(0);
    expect(totals(subId)).toEqual({ aggregateSize: 15, childCount: 2, fileCount: 2 });
  });
});
