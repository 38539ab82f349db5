import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { runJob } from '../../../src/machines/runJob.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { tempDir } from '../../machines/helpers.js';
import { entriesByPath } from './entriesByPath.js';

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

async function index(file: string, root: string) {
  const library = openLibrary(file);
  open.push(library);
  const result = await runJob(
    indexerJob,
    { path: root, mode: 'content', batchSize: 3 },
    { store: new SqliteStore(library.db), deps: { library } },
  ).result;
  return { library, result };
}

it('a re-index where paths changed kind (a directory now a file, a file and a link now directories) ends as a clean index of the tree', async () => {
  const dir = tempDir();
  const root = path.join(dir, 'tree');
  const w = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  w('was-dir/a.txt', 'a');
  w('was-dir/inner/b.txt', 'b');
  w('was-file', 'a file');
  w('keep.txt', 'kept');
  fs.symlinkSync('keep.txt', path.join(root, 'was-link'));
  const file = path.join(dir, 'library.db');
  const first = await index(file, root);
  expect(first.result.status).toBe('completed');
  first.library.close();
  open.length = 0;

  // The new files are made before the old ones go (then moved in), so none reuses a deleted file's inode
  // (which move detection would take for the old file moved).
  const staging = path.join(dir, 'staging');
  fs.mkdirSync(staging);
  for (const [name, text] of [
    ['was-dir', 'now a file'],
    ['c.txt', 'c'],
    ['d.txt', 'd'],
  ]) {
    fs.writeFileSync(path.join(staging, name), text);
  }
  fs.rmSync(path.join(root, 'was-dir'), { recursive: true });
  fs.renameSync(path.join(staging, 'was-dir'), path.join(root, 'was-dir'));
  fs.rmSync(path.join(root, 'was-file'));
  fs.mkdirSync(path.join(root, 'was-file'));
  fs.renameSync(path.join(staging, 'c.txt'), path.join(root, 'was-file', 'c.txt'));
  fs.rmSync(path.join(root, 'was-link'));
  fs.mkdirSync(path.join(root, 'was-link'));
  fs.renameSync(path.join(staging, 'd.txt'), path.join(root, 'was-link', 'd.txt'));

  const again = await index(file, root);
  expect(again.result.status, JSON.stringify(again.result.failure)).toBe('completed');
  const clean = await index(path.join(dir, 'clean.db'), root);
  expect(clean.result.status).toBe('completed');
  const got = entriesByPath(again.library, again.result.output!.locationId!);
  expect(Object.keys(got).sort()).toEqual(
    ['keep.txt', 'was-dir', 'was-file', 'was-file/c.txt', 'was-link', 'was-link/d.txt'].map((p) =>
      path.join(root, p),
    ),
  );
  expect(got).toEqual(entriesByPath(clean.library, clean.result.output!.locationId!));
  expect(again.result.output).toMatchObject({ modified: 3, new: 2, deleted: 3 });
  // Content identities in use are counted as a clean run counts them (a deleted file's identity stays, at 0).
  const identities = (library: Library) =>
    library.db
      .prepare(
        'SELECT content_id, entry_count FROM content_identities WHERE entry_count > 0 ORDER BY content_id',
      )
      .all();
  expect(identities(again.library)).toEqual(identities(clean.library));
});
