import fs from 'node:fs';
import path from 'node:path';
import { TEMPORARY_DIRECTORY } from './thumbnailPath.js';

/**
 * A temporary file name for one thumbnail, in `<directory>/.tmp/`: it starts with this process's id, so a
 * later run can tell files of a killed process (safe to remove) from those of one still writing.
 */
export function temporaryPath(directory: string, contentId: string, variant: string): string {
  return path.join(directory, TEMPORARY_DIRECTORY, `${process.pid}-${contentId}-${variant}.webp`);
}

/**
 * Remove the temporary files left by processes that are gone (and by this one: call it only when this
 * process has no thumbnail being written). Files of another live process are kept. Returns how many were
 * removed.
 */
export function removeStaleTemporaryFiles(directory: string): number {
  const dir = path.join(directory, TEMPORARY_DIRECTORY);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let removed = 0;
  for (const name of names) {
    const pid = Number.parseInt(name, 10);
    if (pid !== process.pid && Number.isInteger(pid) && isAlive(pid)) continue;
    fs.rmSync(path.join(dir, name), { force: true, recursive: true });
    removed++;
  }
  try {
    fs.rmdirSync(dir); // only when empty: another process may be writing in it
  } catch {}
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
