import fs from 'node:fs';
import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { PhaseError } from '../../../phases/PhaseError.js';
import type { PhaseContext } from '../../../phases/types.js';
import { asBuffer } from '../../copy/bytePaths.js';
import { recordRemoved } from '../../copy/libraryUpdates.js';
import { displayPath } from '../../indexer/paths.js';
import {
  moveToTrash,
  trashDirFor,
  trashedPath,
  trashEnvironment,
  uniqueTrashName,
  infoPath,
} from '../../trash/freedesktopTrash.js';
import { removeTree } from '../removeTree.js';
import type { DeleteDeps, DeleteInput, DeleteState } from '../types.js';

type Ctx = PhaseContext<DeleteState, DeleteInput, DeleteDeps>;

/**
 * Delete the targets in order from the cursor. Each finished target is checkpointed together with the
 * removal of its library entries (one transaction). A target already gone when its turn comes — the work of
 * a run killed before its checkpoint — is counted, not an error. A pause is honoured between directories of
 * a tree: removal is idempotent, so the resumed job simply goes on removing what is left.
 */
export const deleting = phase<DeleteState, DeleteInput, DeleteDeps>({
  // Not 'delete': a phase cannot share its job's name (it becomes a state id under the job).
  name: 'deleting',
  weight: 10,
  async execute(ctx) {
    const { state, input } = ctx;
    const mode = input.mode ?? 'trash';
    const library = ctx.deps.library;
    const progress = (message: string) =>
      ctx.reportProgress({
        completed: mode === 'trash' ? state.counts.targets : state.counts.files,
        total: state.totalFiles,
        message,
      });
    let lastSave = ctx.clock.now();
    while (state.cursor < state.targets.length) {
      const target = state.targets[state.cursor];
      const path = asBuffer(target.path);
      const shown = displayPath(path);
      try {
        if (mode === 'trash') await trashOne(ctx, path);
        else {
          const found = await removeTree(path, {
            erasePasses: mode === 'secure' ? (input.passes ?? 3) : 0,
            onFile: (overwritten) => {
              state.counts.files++;
              state.counts.overwritten += overwritten;
            },
            onDir: () => void state.counts.dirs++,
            between: () => {
              progress(shown);
              ctx.checkInterrupt();
              // Counts survive a kill to within a second of work (removal itself needs no checkpoint).
              if (ctx.clock.now() - lastSave > 1000) {
                lastSave = ctx.clock.now();
                void ctx.checkpoint();
              }
            },
          });
          if (!found) state.counts.alreadyGone++;
        }
      } catch (error) {
        // One target that cannot be deleted (permissions, a busy mount) does not stop the others.
        if (error instanceof PhaseError && (error.kind === 'paused' || error.kind === 'cancelled'))
          throw error;
        ctx.addNonFatalError(error, { path: shown, op: mode });
      }
      state.cursor++;
      state.counts.targets++;
      await ctx.checkpoint({
        force: true,
        ...(library ? { atomicWith: () => recordRemoved(library, path) } : {}),
      });
      progress(shown);
      ctx.checkInterrupt();
    }
    return Continue;
  },
});

/** One target to the trash: its trash and name are chosen and checkpointed before they are used. */
async function trashOne(ctx: Ctx, path: Buffer): Promise<void> {
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
  const there = fs.lstatSync(path, { throwIfNoEntry: false });
  if (!there) {
    // Gone: trashed by a run killed before its checkpoint (its name was saved), or removed by someone else.
    const trashed = pending && trashedPath(pending.trash, pending.name);
    if (trashed && fs.lstatSync(trashed, { throwIfNoEntry: false })) state.trashed.push(trashed);
    else {
      if (pending) fs.rmSync(infoPath(pending.trash, pending.name), { force: true });
      state.counts.alreadyGone++;
    }
    state.pending = null;
    return;
  }
  let chosen = pending;
  if (chosen === null || fs.lstatSync(trashedPath(chosen.trash, chosen.name), { throwIfNoEntry: false })) {
    const trash = trashDirFor(path, env);
    chosen = { trash, name: uniqueTrashName(trash, path) };
    state.pending = { dir: chosen.trash.dir, topdir: chosen.trash.topdir, name: chosen.name };
    await ctx.checkpoint({ force: true });
  }
  try {
    moveToTrash(chosen.trash, path, chosen.name, new Date(ctx.clock.now()));
  } catch (error) {
    fs.rmSync(infoPath(chosen.trash, chosen.name), { force: true });
    throw error;
  }
  state.trashed.push(trashedPath(chosen.trash, chosen.name));
  state.pending = null;
}
