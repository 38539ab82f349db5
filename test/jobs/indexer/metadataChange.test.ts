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

/**
 * A chmod (or a chown, or a hard link made) changes an entry's mode and ctime but not its size, mtime or inode.
 * Before, a re-index took such an entry for unchanged and kept the old mode and ctime: the library differed
 * from a clean index of the same tree. Now the row takes the new mode, ctime and device, and keeps what was
 * learnt from its bytes (content id, MIME type): they are the same bytes by the size-and-mtime test every job
 * here uses.
 */

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

async function index(file: string, root: string, before?: (library: Library) => void) {
  const library = openLibrary(file);
  open.push(library);
  before?.(library);
  const result = await runJob(
    indexerJob,
    { path: root, mode: 'content' },
    { store: new SqliteStore(library.db), deps: { library } },
  ).result;
  expect(result.status, JSON.stringify(result.failure)).toBe('completed');
  return { library, output: result.output! };
}

it('a re-index after chmod and a hard link takes the new mode and ctime, keeps the content id, and equals a clean index', async () => {
  const dir = tempDir();
  const root = path.join(dir, 'tree');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'sub', 'a.txt'), 'some bytes');
  fs.writeFileSync(path.join(root, 'b.txt'), 'other bytes');
  fs.writeFileSync(path.join(root, 'kept.txt'), 'kept as it is');
  fs.chmodSync(path.join(root, 'sub', 'a.txt'), 0o644);
  const first = await index(path.join(dir, 'library.db'), root);
  const locationId = first.output.locationId!;
  const before = entriesByPath(first.library, locationId);
  const a = path.join(root, 'sub', 'a.txt');
  const b = path.join(root, 'b.txt');
  const sub = path.join(root, 'sub');
  const row = (rows: Record<string, unknown>, p: string) =>
    rows[p] as { mode: number; ctimeMs: number; contentId: string | null; mtimeMs: number };
  expect(row(before, a).contentId).not.toBeNull();

  const mtimeOfSub = fs.statSync(sub).mtimeMs;
  fs.chmodSync(a, 0o600);
  fs.chmodSync(sub, 0o700);
  // A hard link made elsewhere moves b's ctime (its link count changed), not its size, mtime or inode.
  fs.linkSync(b, path.join(dir, 'b-link.txt'));
  expect(fs.statSync(sub).mtimeMs).toBe(mtimeOfSub);

  const again = await index(path.join(dir, 'library.db'), root);
  expect(again.output).toMatchObject({ new: 0, modified: 0, moved: 0, deleted: 0 });
  const reindexed = entriesByPath(again.library, locationId);
  expect(row(reindexed, a).mode & 0o7777).toBe(0o600);
  expect(row(reindexed, sub).mode & 0o7777).toBe(0o700);
  expect(row(reindexed, a).ctimeMs).toBe(fs.lstatSync(a).ctimeMs);
  expect(row(reindexed, b).ctimeMs).toBe(fs.lstatSync(b).ctimeMs);
  expect(row(reindexed, b).ctimeMs).not.toBe(row(before, b).ctimeMs);
  // The same bytes: what was learnt from them stays.
  expect(row(reindexed, a).contentId).toBe(row(before, a).contentId);
  expect(row(reindexed, b).contentId).toBe(row(before, b).contentId);
  expect(row(reindexed, path.join(root, 'kept.txt'))).toEqual(row(before, path.join(root, 'kept.txt')));

  const clean = await index(path.join(dir, 'clean.db'), root);
  expect(reindexed).toEqual(entriesByPath(clean.library, clean.output.locationId!));

  // Converged: a re-index more finds the same rows, and updates none (a trigger on its connection counts).
  const last = await index(path.join(dir, 'library.db'), root, (library) => {
    library.db.exec(`CREATE TEMP TABLE updated (id INTEGER);
      CREATE TEMP TRIGGER count_updates AFTER UPDATE ON entries BEGIN INSERT INTO updated VALUES (new.id); END;`);
  });
  expect(last.output).toMatchObject({ new: 0, modified: 0, moved: 0, deleted: 0 });
  expect(entriesByPath(last.library, locationId)).toEqual(reindexed);
  const updated = last.library.db.prepare('SELECT id FROM updated').pluck().all() as number[];
  const dirIds = last.library.db
    .prepare("SELECT id FROM entries WHERE location_id = ? AND kind = 'dir'")
    .pluck()
    .all(locationId) as number[];
  // Aggregation rewrites the directories' totals; no file or link row is touched.
  expect(updated.filter((id) => !dirIds.includes(id))).toEqual([]);
});
