import { defineJob } from '../../phases/defineJob.js';
import { aggregation } from './phases/aggregation.js';
import { complete } from './phases/complete.js';
import { content } from './phases/content.js';
import { deep } from './phases/deep.js';
import { discovery } from './phases/discovery.js';
import { processing } from './phases/processing.js';
import type { IndexerDeps, IndexerInput, IndexerOutput, IndexerState } from './types.js';

/**
 * The indexer: records a directory tree in the library, and on later runs only what changed.
 * discovery → processing → aggregation → content → deep → complete, with `when` guards from the input
 * (content for mode content/deep, deep for mode deep, processing and aggregation only for a persistent
 * index).
 *
 * @example
 * const store = new SqliteStore('library.db');
 * const library = openLibrary(store.db);
 * const run = runJob(indexerJob, { path: '/home/me/Photos', mode: 'content' }, { store, deps: { library } });
 * const { output } = await run.result; // { files, dirs, new, modified, moved, deleted, ... }
 */
export const indexerJob = defineJob<IndexerState, IndexerInput, IndexerDeps, IndexerOutput>({
  name: 'indexer',
  version: 1,
  phases: [discovery, processing, aggregation, content, deep, complete],
  initialState: () => ({
    locationId: null,
    rootId: 0,
    cold: true,
    stack: [],
    missing: [],
    moved: [],
    gitignores: {},
    nextId: 0,
    endId: 0,
    counts: {
      files: 0,
      dirs: 0,
      symlinks: 0,
      bytes: 0,
      new: 0,
      modified: 0,
      moved: 0,
      deleted: 0,
      unchanged: 0,
      skipped: 0,
      contentIds: 0,
      deep: 0,
    },
    cursor: 0,
    entries: [],
  }),
  output: (state, input) => ({
    ...state.counts,
    locationId: state.locationId,
    path: input.path,
    ...(input.ephemeral ? { entries: state.entries } : {}),
  }),
});
