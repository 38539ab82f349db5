import fs from 'node:fs';
import path from 'node:path';
import { nativeListDirDefaults } from '../../src/jobs/fs/nativeListDir.js';
import { tempDir } from '../machines/helpers.js';

/**
 * For the directory-swap tests: `tree/` with `top` and two files in `tree/sub/`, and beside it `outside/`
 * with two files a job must never read through `tree/` (`secret-1…`, `secret-2…`).
 */
export function swapTree(files: { top: string; inside: string; secret: string; ext: string }) {
  const base = tempDir();
  const tree = path.join(base, 'tree');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(tree, 'sub'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(tree, 'top.txt'), files.top);
  for (const n of [1, 2]) {
    fs.writeFileSync(path.join(tree, `sub/in-${n}.${files.ext}`), files.inside);
    fs.writeFileSync(path.join(outside, `secret-${n}.${files.ext}`), files.secret);
  }
  return { base, tree, outside };
}

/** Put `outside` where `tree/sub` was (as a symlink, or the directory itself), keeping `sub` aside. */
export function swapSub(tree: string, outside: string, how: 'symlink' | 'directory'): void {
  fs.renameSync(path.join(tree, 'sub'), path.join(tree, 'sub-aside'));
  if (how === 'symlink') fs.symlinkSync(outside, path.join(tree, 'sub'));
  else fs.renameSync(outside, path.join(tree, 'sub'));
}

/** The native reader's test settings back to their defaults (on, no hooks): for `afterEach`. */
export function resetNativeReader(): void {
  nativeListDirDefaults.enabled = true;
  nativeListDirDefaults.beforeOpen = undefined;
  nativeListDirDefaults.afterList = undefined;
}
