import fs from 'node:fs';
import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { PhaseError } from '../../../phases/PhaseError.js';
import type { PhaseContext } from '../../../phases/types.js';
import { asBuffer } from '../../fs/bytePaths.js';
import { recordRemoved } from '../../library/libraryUpdates.js';
import { fileIdentity } from '../../fs/fileIdentity.js';
import { displayPath } from '../../fs/paths.js';
import {
  infoPath,
  isOwnInfo,
  moveToTrash,
  trashDirFor,
  trashedPath,
  trashEnvironment,
  uniqueTrashName,
} from '../../trash/freedesktopTrash.js';
import { PathNotDeletedError } from '../PathNotDeletedError.js';
import { type RemoveOutcome, removeTarget } from '../removeTree.js';
import { TargetGuard } from '../targetGuard.js';
import type { DeleteDeps, DeleteInput, DeleteState, DeleteTarget } from '../types.js';

type Ctx = PhaseContext<DeleteState, DeleteInput, DeleteDeps>;

/** Paths reported one by one as errors; past this they are only counted (checkpoints stay small). */
export const MAX_REPORTED = 1000;

/**
 * Delete the targets in order from the cursor. Each finished target is checkpointed together with the
 * removal of its library entries (one transaction). A target already gone when its turn comes, and not by
 * this job's hand, is counted as `alreadyGone`, not an error. A path that cannot be deleted is reported and
 * counted in `failed`, and the job goes on. A pause is honoured between directories of a tree; counts and the
 * journal are saved before each directory's removal, so a resumed job counts exactly what was removed.
 */
export const deleting = phase<DeleteState, DeleteInput, DeleteDeps>({
  // Not 'delete': a phase cannot share its job's name (it becomes a state id under the job).
  name: 'deleting',
  weight: 10,
  async execute(ctx) {
    const { state, input } = ctx;
    const mode = input.mode ?? 'trash';
    const library = ctx.deps.library;
    state.counts.failed ??= 0;
    state.journal ??= { self: null, dirs: [] };
    const guard = new TargetGuard({ libraryFile: library?.file, preserveRoot: false });
    const progress = (message: string) =>
      ctx.reportProgress({
        completed: mode === 'trash' ? state.counts.targets : state.counts.files,
        total: state.totalFiles,
        message,
      });
    const fail = (error: PathNotDeletedError) => {
      state.counts.failed++;
      if (state.counts.failed <= MAX_REPORTED)
        ctx.addNonFatalError(error, { path: error.path, code: error.code, op: mode });
    };
    while (state.cursor < state.targets.length) {
      ctx.checkInterrupt();
      const target = state.targets[state.cursor];
      const path = asBuffer(target.path);
      const shown = displayPath(path);
      const failedBefore = state.counts.failed;
      let outcome: RemoveOutcome = 'failed';
      try {
        if (mode === 'trash') outcome = await trashOne(ctx, path, target);
        else {
          const journal = state.journal;
          outcome = await removeTarget(path, target.id, {
            erasePasses: mode === 'secure' ? (input.passes ?? 3) : 0,
            counts: state.counts,
            journal,
            guard,
            persist: () => ctx.checkpoint({ force: true }),
            fail,
            beforeOpenDir: ctx.deps.beforeOpenDir,
            between: () => {
              progress(shown);
              ctx.checkInterrupt();
            },
          });
        }
      } catch (error) {
        // One target that cannot be deleted (permissions, a busy mount) does not stop the others; anything
        // else (a pause, a lost lease, a store that fails) stops the job.
        if (!isFsError(error)) throw error;
        fail(PathNotDeletedError.from(shown, error));
      }
      if (outcome === 'gone') state.counts.alreadyGone++;
      const unreported = state.counts.failed - failedBefore - Math.max(0, MAX_REPORTED - failedBefore);
      if (unreported > 0)
        ctx.addNonFatalError(
          new Error(
            `${unreported} more paths under ${shown} could not be deleted (the first ${MAX_REPORTED} of the job are listed one by one).`,
          ),
          { path: shown, op: mode, count: unreported },
        );
      state.cursor++;
      state.counts.targets++;
      state.journal = { self: null, dirs: [] };
      await ctx.checkpoint({
        force: true,
        // A target left partly in place keeps its entries: the library is corrected by the next index.
        ...(library && outcome !== 'failed' ? { atomicWith: () => recordRemoved(library, path) } : {}),
      });
      progress(shown);
      ctx.checkInterrupt();
    }
    return Continue;
  },
});

/** One target to the trash: its trash and name are chosen and checkpointed before they are used. */
async function trashOne(ctx: Ctx, path: Buffer, target: DeleteTarget): Promise<RemoveOutcome> {
  const { state } = ctx;
  const env = ctx.deps.trash ?? trashEnvironment();
  const pending = state.pending
    ? {
        trash: {
          dir: asBuffer(state.pending.dir),
          topdir: state.pending.topdir && asBuffer(state.pending.topdir),
        },
        name: asBuffer(state.pending.name),
      }
    : null;
  const owner = `phasekit job ${ctx.jobId}`;
  const there = fs.lstatSync(path, { bigint: true, throwIfNoEntry: false });
  if (!there) {
    // Gone: trashed by a run killed before its checkpoint (its name was saved, and the info file there is its
    // own), or removed by someone else.
    state.pending = null;
    if (pending) {
      const info = infoPath(pending.trash, pending.name);
      const trashed = trashedPath(pending.trash, pending.name);
      if (isOwnInfo(info, pending.trash, path, owner)) {
        if (fs.lstatSync(trashed, { throwIfNoEntry: false })) {
          state.trashed.push(trashed);
          return 'removed';
        }
        fs.rmSync(info, { force: true });
      }
    }
    return 'gone';
  }
  if (target.id !== undefined && fileIdentity(there) !== target.id)
    throw new PathNotDeletedError(
      displayPath(path),
      'ECHANGED',
      `Left ${displayPath(path)} alone: another file is there than when the job started. Check what it is now, and delete it again if you mean to.`,
    );
  let chosen = pending;
  for (;;) {
    if (chosen === null || fs.lstatSync(trashedPath(chosen.trash, chosen.name), { throwIfNoEntry: false })) {
      const trash = trashDirFor(path, env);
      chosen = { trash, name: uniqueTrashName(trash, path) };
      state.pending = { dir: chosen.trash.dir, topdir: chosen.trash.topdir, name: chosen.name };
      await ctx.checkpoint({ force: true });
      await ctx.deps.beforeTrash?.(path, chosen.name);
    }
    let moved: 'trashed' | 'taken';
    try {
      moved = moveToTrash(chosen.trash, path, chosen.name, new Date(ctx.clock.now()), owner);
    } catch (error) {
      state.pending = null;
      throw error;
    }
    if (moved === 'trashed') break;
    // Another program or job reserved that name after it was chosen: choose again.
    chosen = null;
  }
  state.trashed.push(trashedPath(chosen.trash, chosen.name));
  state.pending = null;
  return 'removed';
}

/** An error about the file system (errno code, or a path left alone) rather than about the job. */
function isFsError(error: unknown): boolean {
  if (error instanceof PathNotDeletedError) return true;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && !(error instanceof PhaseError);
}
