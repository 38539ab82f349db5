import { depsType } from '../../phases/depsType.js';
import { defineJob } from '../../phases/defineJob.js';
import { complete } from './phases/complete.js';
import { copying } from './phases/copying.js';
import { estimate } from './phases/estimate.js';
import { init } from './phases/init.js';
import { prepare } from './phases/prepare.js';
import type { CopyDeps, CopyInput, CopyOutput, CopyState } from './types.js';

/**
 * The copy job: copies (or moves) files and directory trees so that a kill at any instant resumes and ends
 * with a destination identical to the source, and no partial file ever under its final name.
 * init → estimate → prepare → copying → complete.
 *
 * @example
 * const store = new SqliteStore('library.db');
 * const library = openLibrary(store.db);
 * const run = runJob(copyJob, { sources: ['/photos/2024'], destination: '/backup', verify: true }, { store, deps: { library } });
 * const { output } = await run.result; // { files, bytes, verified, ... }
 */
export const copyJob = defineJob<CopyState, CopyInput, CopyDeps, CopyOutput>({
  name: 'copy',
  version: 1,
  // The library is required: running the job without `deps` does not compile.
  deps: depsType<CopyDeps>(),
  phases: [init, estimate, prepare, copying, complete],
  initialState: () => ({
    roots: [],
    estimate: { files: 0, bytes: 0, fromLibrary: false },
    totals: { items: 0, files: 0, bytes: 0 },
    planned: false,
    copyingStarted: false,
    cursor: 0,
    offset: 0,
    dirCursor: 0,
    counts: {
      files: 0,
      dirs: 0,
      symlinks: 0,
      bytes: 0,
      renamed: 0,
      skipped: 0,
      conflictsRenamed: 0,
      overwritten: 0,
      verified: 0,
      rewritten: 0,
      sourcesRemoved: 0,
      failed: 0,
      restarted: 0,
      noSpacePauses: 0,
    },
    linked: null,
    partial: null,
    renaming: null,
    bytesPassed: 0,
    makeDestination: null,
    failures: [],
  }),
  output: (state, input) => ({
    ...state.counts,
    // Checkpoints written before these counts existed lack them.
    failed: state.counts.failed ?? 0,
    restarted: state.counts.restarted ?? 0,
    noSpacePauses: state.counts.noSpacePauses ?? 0,
    failures: state.failures ?? [],
    sources: input.sources,
    destination: input.destination,
    move: input.move === true,
    totalFiles: state.totals.files,
    totalBytes: state.totals.bytes,
  }),
});
