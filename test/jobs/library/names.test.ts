import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { makeTempDir } from '../makeTempDir.js';
import { childrenOf, findEntry, getEntry, insertEntries, pathOf } from '../../../src/jobs/library/entries.js';
import { upsertLocation } from '../../../src/jobs/library/locations.js';

describe('Library names are bytes', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let library: Library;
  beforeEach(() => {
    temp = makeTempDir();
    library = openLibrary(path.join(temp.dir, 'library.db'));
  });
  afterEach(() => {
    library.close();
    temp.cleanup();
  });

  it('records a real non-UTF-8 file name and finds it again byte for byte, across a reopen', () => {
    const dir = path.join(temp.dir, 'tree');
    fs.mkdirSync(dir);
    const nameBytes = Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x74]); // "f", two invalid bytes, ".t"
    fs.writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), nameBytes]), 'hello');
    // Its U+FFFD rendering is a different, valid name: it must not be confused with it.
    fs.writeFileSync(path.join(dir, 'f\ufffd\ufffd.t'), 'other');

    const location = upsertLocation(library, dir);
    const listed = fs.readdirSync(dir, { encoding: 'buffer' });
    const rows = listed.map((name) => {
      const stat = fs.lstatSync(Buffer.concat([Buffer.from(`${dir}/`), name]));
      return {
        locationId: location.id,
        parentId: location.rootEntryId,
        name,
        kind: 'file' as const,
        size: stat.size,
        inode: stat.ino,
        device: stat.dev,
        mtimeMs: stat.mtimeMs,
      };
    });
    const ids = library.db.transaction(() => insertEntries(library, rows))();
    expect(ids).toHaveLength(2);

    library.close();
    library = openLibrary(path.join(temp.dir, 'library.db'));
    const found = findEntry(library, location.id, location.rootEntryId, nameBytes)!;
    expect(found).toBeDefined();
    expect(found.name.equals(nameBytes)).toBe(true);
    expect(found.nameText).toBe('f\ufffd\ufffd.t'); // for display only
    expect(found.size).toBe(5);

    const pathBytes = pathOf(library, found.id);
    expect(pathBytes.equals(Buffer.concat([Buffer.from(`${dir}/`), nameBytes]))).toBe(true);
    expect(fs.readFileSync(pathBytes, 'utf8')).toBe('hello');

    const lookalike = findEntry(library, location.id, location.rootEntryId, Buffer.from('f\ufffd\ufffd.t'))!;
    expect(lookalike.id).not.toBe(found.id);
    expect(fs.readFileSync(pathOf(library, lookalike.id), 'utf8')).toBe('other');

    const names = childrenOf(library, location.rootEntryId).map((e) => e.name);
    expect(names.map((n) => n.toString('hex')).sort()).toEqual(listed.map((n) => n.toString('hex')).sort());
  });

  it('keeps a symlink’s raw target bytes', () => {
    const location = upsertLocation(library, temp.dir);
    const target = Buffer.from([0x2e, 0x2e, 0x2f, 0xc3, 0x28]); // "../" + an invalid UTF-8 pair
    const [id] = insertEntries(library, [
      {
        locationId: location.id,
        parentId: location.rootEntryId,
        name: Buffer.from('l'),
        kind: 'symlink',
        symlinkTarget: target,
      },
    ]);
    expect(getEntry(library, id)?.symlinkTarget?.equals(target)).toBe(true);
  });
});
