import fs from 'node:fs';
import type { PhaseContext } from '../../phases/types.js';
import { asBuffer, dirnameBytes } from '../fs/bytePaths.js';
import { displayPath } from '../fs/paths.js';
import type { StoredPlanItem } from './jobPlans.js';
import { RealDirs } from './realDirs.js';
import { recordFailure } from './recordFailure.js';
import type { CopyDeps, CopyInput, CopyState } from './types.js';

type Ctx = PhaseContext<CopyState, CopyInput, CopyDeps>;

/** Flags a directory is opened with to set its mode and times: a symlink in its place is not followed (`ELOOP`). */
const OPEN_DIRECTORY = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW;

/**
 * The check that lets a planned directory be given its mode and times: the directories between the destination
 * root and it must be real directories (`lstat`, cached: one call per directory level).
 */
export function directoryChecks(state: CopyState): RealDirs {
  return new RealDirs(state.roots.length > 0 ? dirnameBytes(asBuffer(state.roots[0].dst)) : Buffer.from('/'));
}

/**
 * Give a planned directory its source's mode and (if `preserve`) times — after everything in it was written,
 * which changed its mtime — through a descriptor of the directory itself (`O_NOFOLLOW | O_DIRECTORY`), after
 * checking the directories above it: a directory swapped for a symlink is reported (`op: 'finish'`), never
 * followed. A directory that is not there (it could not be made, and was reported then) is passed over. Used
 * by *complete*, and by the cleanup of a job that ends cancelled or failed.
 */
export function finishPlannedDirectory(
  ctx: Ctx,
  realDirs: RealDirs,
  dir: StoredPlanItem,
  preserve: boolean,
): void {
  try {
    const dst = asBuffer(dir.dst);
    const bad = realDirs.notADirectoryAbove(dst);
    if (bad !== undefined) throw new Error(`Not set: ${displayPath(bad)} is no longer a directory.`);
    finishDirectory(dst, dir.mode, preserve ? dir : null);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      recordFailure(ctx, error, displayPath(dir.dst), 'finish');
  }
}

/** Mode and (if given) times of a directory, through a descriptor of the directory itself. */
function finishDirectory(
  dir: Buffer,
  mode: number,
  times: { atimeMs: number; mtimeMs: number } | null,
): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, OPEN_DIRECTORY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR')
      throw new Error(`Not set: ${displayPath(dir)} is no longer a directory (never followed).`);
    if (code !== 'EACCES' || !fs.lstatSync(dir).isDirectory()) throw error;
    // A directory we may not read (a resumed run, its mode already set to one without `r`): by path, after
    // lstat found a directory there.
    fs.chmodSync(dir, mode);
    if (times) fs.utimesSync(dir, times.atimeMs / 1000, times.mtimeMs / 1000);
    return;
  }
  try {
    fs.fchmodSync(fd, mode);
    if (times) fs.futimesSync(fd, times.atimeMs / 1000, times.mtimeMs / 1000);
  } finally {
    fs.closeSync(fd);
  }
}
