import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import type { LocationRow } from '../../../src/jobs/library/types.js';
import {
  getContentIdentity,
  pruneContentIdentities,
  setContentIds,
} from '../../../src/jobs/library/contentIdentities.js';
import { deleteEntries, getEntry, insertEntries } from '../../../src/jobs/library/entries.js';
import { upsertLocation } from '../../../src/jobs/library/locations.js';

describe('Library content identities', () => {
  let db: Database.Database;
  let library: Library;
  let loc: LocationRow;
  const files = (n: number, size = 100) =>
    insertEntries(
      library,
      Array.from({ length: n }, (_, i) => ({
        locationId: loc.id,
        parentId: loc.rootEntryId,
        name: Buffer.from(`f${i}`),
        kind: 'file' as const,
        size,
      })),
    );
  const counts = () =>
    Object.fromEntries(
      db
        .prepare('SELECT content_id, entry_count FROM content_identities ORDER BY content_id')
        .raw()
        .all() as [string, number][],
    );
  /** What the counts must be: the entries that have each content id. */
  const truth = () =>
    Object.fromEntries(
      db
        .prepare(
          'SELECT content_id, count(*) FROM entries WHERE content_id IS NOT NULL GROUP BY content_id ORDER BY content_id',
        )
        .raw()
        .all() as [string, number][],
    );

  beforeEach(() => {
    db = new Database(':memory:');
    library = openLibrary(db);
    loc = upsertLocation(library, '/data');
  });
  afterEach(() => db.close());

  it('creates an identity on first use and counts its entries', () => {
    const [a, b, c] = files(3, 1234);
    expect(
      setContentIds(library, [
        { id: a, contentId: 'aaaa', kind: 'image', mime: 'image/png' },
        { id: b, contentId: 'aaaa' },
      ]),
    ).toBe(2);
    expect(getContentIdentity(library, 'aaaa')).toEqual({
      contentId: 'aaaa',
      size: 1234,
      kind: 'image',
      mime: 'image/png',
      entryCount: 2,
      fullHash: null,
      fullHashAt: null,
    });
    expect(getEntry(library, a)?.contentId).toBe('aaaa');
    setContentIds(library, [{ id: c, contentId: 'cccc' }]);
    expect(counts()).toEqual({ aaaa: 2, cccc: 1 });
  });

  it('moves the count when an entry’s content changes, and unlinks with null', () => {
    const [a, b] = files(2);
    setContentIds(library, [
      { id: a, contentId: 'x' },
      { id: b, contentId: 'x' },
    ]);
    expect(setContentIds(library, [{ id: a, contentId: 'y' }])).toBe(1);
    expect(counts()).toEqual({ x: 1, y: 1 });
    expect(setContentIds(library, [{ id: b, contentId: null }])).toBe(1);
    expect(counts()).toEqual({ x: 0, y: 1 });
    expect(getEntry(library, b)?.contentId).toBeNull();
    expect(pruneContentIdentities(library)).toBe(1);
    expect(counts()).toEqual({ y: 1 });
  });

  it('counts nothing twice when the same assignment is made again, but records a kind given later', () => {
    const [a] = files(1);
    setContentIds(library, [{ id: a, contentId: 'x' }]);
    expect(setContentIds(library, [{ id: a, contentId: 'x', mime: 'text/plain' }])).toBe(0);
    expect(getContentIdentity(library, 'x')).toMatchObject({ entryCount: 1, mime: 'text/plain' });
  });

  it('skips entries that no longer exist', () => {
    expect(setContentIds(library, [{ id: 999, contentId: 'x' }])).toBe(0);
    expect(counts()).toEqual({});
  });

  it('decrements when linked entries are deleted', () => {
    const [a, b] = files(2);
    setContentIds(library, [
      { id: a, contentId: 'x' },
      { id: b, contentId: 'x' },
    ]);
    deleteEntries(library, [a]);
    expect(counts()).toEqual({ x: 1 });
  });

  it('keeps every count equal to its number of entries, over any sequence of operations', () => {
    const op = fc.oneof(
      fc.record({
        t: fc.constant('set' as const),
        entry: fc.nat(9),
        id: fc.constantFrom('p', 'q', 'r', null),
      }),
      fc.record({ t: fc.constant('delete' as const), entry: fc.nat(9) }),
      fc.record({ t: fc.constant('prune' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        db.exec('DELETE FROM entries WHERE parent_id IS NOT NULL; DELETE FROM content_identities');
        const ids = files(10);
        for (const o of ops) {
          db.transaction(() => {
            if (o.t === 'set') setContentIds(library, [{ id: ids[o.entry], contentId: o.id }]);
            else if (o.t === 'delete') deleteEntries(library, [ids[o.entry]]);
            else pruneContentIdentities(library);
          })();
        }
        const expected = truth();
        const actual = Object.fromEntries(Object.entries(counts()).filter(([, n]) => n > 0));
        expect(actual).toEqual(expected);
        expect(Object.values(counts()).every((n) => n >= 0)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
