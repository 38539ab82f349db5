import { defineJob } from '../../phases/defineJob.js';
import { displayPath } from '../fs/paths.js';
import { complete } from './phases/complete.js';
import { deleting } from './phases/deleting.js';
import { validate } from './phases/validate.js';
import type { DeleteDeps, DeleteInput, DeleteOutput, DeleteState } from './types.js';

/**
 * The delete job: to the freedesktop.org trash (default), permanently, or securely (overwritten, then
 * unlinked). validate → delete → complete. Permanent and secure need `confirm: true`; the library's files and
 * folders are always refused, and `/`, system directories and folders holding home or the working directory
 * unless `preserveRoot: false`. Trees are walked through directory descriptors without following symlinks,
 * so nothing outside the targets is touched; a path that cannot be deleted is reported (`failed`) and the
 * rest goes on. Killed at any moment, a resumed job finishes the remaining targets with exact counts;
 * library entries of deleted paths are removed with the checkpoint of each target.
 *
 * @example
 * const run = runJob(deleteJob, { paths: ['/tmp/old'], mode: 'permanent', confirm: true }, { store, deps: { library } });
 * const { output } = await run.result; // { targets: 1, files: 120, dirs: 7, ... }
 */
export const deleteJob = defineJob<DeleteState, DeleteInput, DeleteDeps, DeleteOutput>({
  name: 'delete',
  version: 1,
  phases: [validate, deleting, complete],
  initialState: () => ({
    targets: [],
    totalFiles: 0,
    cursor: 0,
    pending: null,
    trashed: [],
    journal: { self: null, dirs: [] },
    counts: { targets: 0, alreadyGone: 0, files: 0, dirs: 0, overwritten: 0, failed: 0 },
  }),
  output: (state, input) => ({
    ...state.counts,
    failed: state.counts.failed ?? 0,
    mode: input.mode ?? 'trash',
    paths: input.paths,
    trashed: state.trashed.map((p) => displayPath(p)),
  }),
});
