import fs from 'node:fs';
import { DirHandle } from '../fs/DirHandle.js';

/**
 * Non-directories below a directory, for progress: symlinks not followed, walked through directory
 * descriptors (so any depth, past `PATH_MAX`); what cannot be read is not counted.
 */
export function countFiles(dir: Uint8Array): number {
  let root: DirHandle;
  try {
    root = DirHandle.open(Buffer.from(dir));
  } catch {
    return 0;
  }
  return countIn(root);
}

function countIn(dir: DirHandle): number {
  let n = 0;
  try {
    for (const e of fs.readdirSync(dir.path, { withFileTypes: true, encoding: 'buffer' })) {
      if (!e.isDirectory()) {
        n++;
        continue;
      }
      let sub: DirHandle;
      try {
        sub = dir.openChild(e.name, undefined, '');
      } catch {
        continue;
      }
      n += countIn(sub);
    }
  } catch {
    // Unreadable: counted as what was seen.
  } finally {
    dir.close();
  }
  return n;
}
