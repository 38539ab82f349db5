import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { dropLists, listsLibrary, readList } from '../fileLists.js';
import { keepFinalSets } from '../finalSets.js';
import { packGroups, unpackGroups } from '../packFiles.js';
import type { DuplicatesDeps, DuplicatesInput, DuplicatesState } from '../types.js';

/**
 * Order the duplicate sets by wasted bytes (then by size and first path, so the order is stable) and keep
 * them in the job's state, its output; the job's lists in the library are deleted.
 */
export const complete = phase<DuplicatesState, DuplicatesInput, DuplicatesDeps>({
  name: 'complete',
  async execute(ctx) {
    const { state } = ctx;
    const wasted = (g: { size: number; files: unknown[] }) => g.size * (g.files.length - 1);
    const library = ctx.deps?.library;
    const done = state.lists
      ? readList(listsLibrary(ctx.deps), ctx.jobId, 'done', state.lists.done)
      : state.done.flatMap(unpackGroups);
    for (const set of done) set.files.sort((a, b) => Buffer.compare(a.path, b.path));
    done.sort(
      (a, b) => wasted(b) - wasted(a) || b.size - a.size || Buffer.compare(a.files[0].path, b.files[0].path),
    );
    const packed = packGroups(done);
    keepFinalSets(packed, done);
    state.done = [packed];
    state.hardLinks.sort((a, b) => Buffer.compare(a.paths[0], b.paths[0]));
    if (state.lists) {
      // The sets are the job's answer: into its final state, then the lists can go.
      state.lists = null;
      await ctx.checkpoint({ force: true });
    }
    dropLists(library, ctx.jobId);
    return Continue;
  },
});
