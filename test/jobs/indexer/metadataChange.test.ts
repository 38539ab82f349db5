import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Library } from '../../../src/jobs/library/Library.js';
import { tempDir } from '../../machines/helpers.js';
import { entriesByPath } from './entriesByPath.js';
import { indexInto } from './indexInto.js';

/**
 * A file's ctime moves with every write, and with a chmod, a chown or a hard link made, while its size, mtime
 * and inode may stay. Before, a re-index compared only those three: a file rewritten and given its old mtime
 * back (`touch -r`, `cp -p`, `tar -x`, `rsync -t`) kept the content id of its old bytes — and duplicate
 * detection over the location, which trusts the library's ids, could report it as a copy of a file it no
 * longer equals; a chmod left the old mode and ctime. Now a ctime change counts as a change (as git's stat
 * check counts it): the row takes the new stat, and the content phase hashes the file again, finding the same
 * id when the bytes are the same. A device number that changed alone (a disk mounted again) is taken as is.
 */

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

const index = (file: string, root: string, before?: (library: Library) => void) =>
  indexInto(open, file, root, { mode: 'content' }, before);

it('a re-index after chmod and a hard link takes the new mode and ctime, hashes those files again to the same content id, and equals a clean index', async () => {
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
  // a and b changed by their ctime (hashed again: contentIds 2); sub, a directory, counts as unchanged.
  expect(again.output).toMatchObject({ new: 0, modified: 2, moved: 0, deleted: 0, contentIds: 2 });
  const reindexed = entriesByPath(again.library, locationId);
  expect(row(reindexed, a).mode & 0o7777).toBe(0o600);
  expect(row(reindexed, sub).mode & 0o7777).toBe(0o700);
  expect(row(reindexed, a).ctimeMs).toBe(fs.lstatSync(a).ctimeMs);
  expect(row(reindexed, b).ctimeMs).toBe(fs.lstatSync(b).ctimeMs);
  expect(row(reindexed, b).ctimeMs).not.toBe(row(before, b).ctimeMs);
  // The same bytes: hashed again, the same ids.
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

it('a file rewritten and given its old mtime back gets the content id of its new bytes, as a clean index gives it', async () => {
  const dir = tempDir();
  const root = path.join(dir, 'tree');
  fs.mkdirSync(root, { recursive: true });
  const a = path.join(root, 'a.txt');
  const b = path.join(root, 'b.txt');
  // Two copies: duplicate detection over the location would take them for copies by their content ids.
  fs.writeFileSync(a, 'the same bytes');
  fs.writeFileSync(b, 'the same bytes');
  // Whole seconds: an mtime `utimes` can give back exactly (a Date keeps only milliseconds).
  fs.utimesSync(b, 1_600_000_000, 1_600_000_000);
  const first = await index(path.join(dir, 'library.db'), root);
  const locationId = first.output.locationId!;
  const before = entriesByPath(first.library, locationId);
  const contentIdOf = (rows: Record<string, unknown>, p: string) =>
    (rows[p] as { contentId: string | null }).contentId;
  expect(contentIdOf(before, a)).toBe(contentIdOf(before, b));

  const old = fs.statSync(b);
  fs.writeFileSync(b, 'other bytes, same n');
  fs.truncateSync(b, old.size);
  fs.utimesSync(b, 1_600_000_000, 1_600_000_000);
  const now = fs.statSync(b);
  expect([now.size, now.mtimeMs, now.ino]).toEqual([old.size, old.mtimeMs, old.ino]);
  expect(fs.readFileSync(b, 'utf8')).not.toBe('the same bytes');

  const again = await index(path.join(dir, 'library.db'), root);
  expect(again.output).toMatchObject({ modified: 1, contentIds: 1 });
  const reindexed = entriesByPath(again.library, locationId);
  expect(contentIdOf(reindexed, b)).not.toBe(contentIdOf(reindexed, a));
  const clean = await index(path.join(dir, 'clean.db'), root);
  expect(reindexed).toEqual(entriesByPath(clean.library, clean.output.locationId!));
});

it('a row whose device number alone is stale (a disk mounted again) takes the new number and keeps its content id', async () => {
  const dir = tempDir();
  const root = path.join(dir, 'tree');
  fs.mkdirSync(root, { recursive: true });
  const a = path.join(root, 'a.txt');
  fs.writeFileSync(a, 'bytes on a disk mounted again');
  const first = await index(path.join(dir, 'library.db'), root);
  const locationId = first.output.locationId!;
  const before = entriesByPath(first.library, locationId)[a] as { contentId: string; device: number };
  expect(before.contentId).not.toBeNull();
  // As if the disk came back under another number: the inode, times and bytes are what the library holds.
  first.library.db
    .prepare('UPDATE entries SET device = device + 1 WHERE location_id = ? AND parent_id IS NOT NULL')
    .run(locationId);
  first.library.close();
  open.splice(open.indexOf(first.library), 1);
  const again = await index(path.join(dir, 'library.db'), root);
  expect(again.output).toMatchObject({ new: 0, modified: 0, moved: 0, deleted: 0, contentIds: 0 });
  const row = entriesByPath(again.library, locationId)[a] as { contentId: string; device: number };
  expect(row.device).toBe(fs.lstatSync(a).dev);
  expect(row.contentId).toBe(before.contentId);
});
