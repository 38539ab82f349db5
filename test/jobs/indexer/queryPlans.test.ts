import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { UNHASHED_FILES, UNSNIFFED_FILES } from '../../../src/jobs/indexer/indexerQueries.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { tempDir } from '../../machines/helpers.js';

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

/** SQLite's plan for `sql`, one line per step. */
function plan(library: Library, sql: string): string[] {
  return (library.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(1, 0, 1000) as { detail: string }[]).map(
    (r) => r.detail,
  );
}

it("the content and deep phases' pages are rowid range scans from the cursor, never a sort of the whole location", () => {
  const library = openLibrary(path.join(tempDir(), 'library.db'));
  open.push(library);
  // With the index on (location_id, inode, device) SQLite would read and sort every entry of the location for
  // each page: quadratic in the location's size.
  for (const sql of [UNHASHED_FILES, UNSNIFFED_FILES]) {
    expect(plan(library, sql)).toEqual(['SEARCH entries USING INTEGER PRIMARY KEY (rowid>?)']);
  }
});
