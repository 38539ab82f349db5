import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirPaths } from '../../../../src/jobs/indexer/content/DirPaths.js';
import { indexerJob } from '../../../../src/jobs/indexer/indexerJob.js';
import { EntryNotFoundError } from '../../../../src/jobs/library/EntryNotFoundError.js';
import type { Library } from '../../../../src/jobs/library/Library.js';
import { pathOf } from '../../../../src/jobs/library/entries.js';
import { openLibrary } from '../../../../src/jobs/library/openLibrary.js';
import { runJob } from '../../../../src/index.js';
import { SqliteStore } from '../../../../src/sqlite.js';
import { tempDir } from '../../../machines/helpers.js';
import { BAD_NAME } from '../tree.js';

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

describe('DirPaths', () => {
  it('gives every directory the path pathOf gives, non-UTF-8 names included', async () => {
    const root = path.join(tempDir(), 'tree');
    fs.mkdirSync(path.join(root, 'a/b/c/d'), { recursive: true });
    fs.mkdirSync(Buffer.concat([Buffer.from(`${root}/a/`), BAD_NAME]));
    fs.mkdirSync(path.join(root, 'e'));
    const library = openLibrary(path.join(tempDir(), 'library.db'));
    open.push(library);
    const result = await runJob(
      indexerJob,
      { path: root },
      { store: new SqliteStore(library.db), deps: { library } },
    ).result;
    expect(result.status).toBe('completed');
    const dirs = library.db
      .prepare("SELECT id FROM entries WHERE kind = 'dir' ORDER BY id DESC")
      .pluck()
      .all() as number[];
    expect(dirs).toHaveLength(7);
    const paths = new DirPaths(library);
    for (const id of dirs) expect(paths.of(id).equals(pathOf(library, id))).toBe(true);
    // Asked again, from the cache: the same.
    for (const id of dirs) expect(paths.of(id).equals(pathOf(library, id))).toBe(true);
    expect(() => paths.of(10_000)).toThrow(EntryNotFoundError);
  });
});
