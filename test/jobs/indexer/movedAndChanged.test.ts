import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Library } from '../../../src/jobs/library/Library.js';
import { tempDir } from '../../machines/helpers.js';
import { entriesByPath } from './entriesByPath.js';
import { indexInto } from './indexInto.js';

/**
 * A file moved (same inode, found by move detection) and changed too — edited after the move, as a new file
 * reusing a deleted one's inode also looks — loses what was learnt from its old bytes: the re-index leaves it
 * without a content id, the content phase hashes it again, and the library equals a clean index of the tree.
 * Before, the moved entry kept its old content id (the content phase hashes only files without one).
 */

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

const index = (file: string, root: string) => indexInto(open, file, root);

it('a file moved and then edited gets the content id of its new bytes, as a clean index gives it', async () => {
  const dir = tempDir();
  const root = path.join(dir, 'tree');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'a.txt'), 'the first bytes');
  fs.writeFileSync(path.join(root, 'same.txt'), 'moved, not edited');
  fs.writeFileSync(path.join(root, 'kept.txt'), 'kept');
  const first = await index(path.join(dir, 'library.db'), root);
  const locationId = first.output.locationId!;

  const moved = path.join(root, 'sub', 'b.txt');
  const ino = fs.statSync(path.join(root, 'a.txt')).ino;
  fs.renameSync(path.join(root, 'a.txt'), moved);
  fs.writeFileSync(moved, 'other bytes, another length');
  fs.utimesSync(moved, new Date(2001, 1, 1), new Date(2001, 1, 1));
  expect(fs.statSync(moved).ino).toBe(ino);
  fs.renameSync(path.join(root, 'same.txt'), path.join(root, 'sub', 'same.txt'));

  const again = await index(path.join(dir, 'library.db'), root);
  expect(again.output).toMatchObject({ moved: 2 });
  const clean = await index(path.join(dir, 'clean.db'), root);

  const reindexed = entriesByPath(again.library, locationId);
  const fresh = entriesByPath(clean.library, clean.output.locationId!);
  expect(reindexed).toEqual(fresh);
  const contentIdOf = (rows: Record<string, unknown>, rel: string) =>
    (rows[path.join(root, rel)] as { contentId: string | null }).contentId;
  expect(contentIdOf(reindexed, 'sub/b.txt')).not.toBeNull();
  expect(contentIdOf(reindexed, 'sub/b.txt')).toBe(contentIdOf(fresh, 'sub/b.txt'));
});
