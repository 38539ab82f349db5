import { depsType } from '../../phases/depsType.js';
import { defineJob } from '../../phases/defineJob.js';
import { cleanup } from './phases/cleanup.js';
import { complete } from './phases/complete.js';
import { discovery } from './phases/discovery.js';
import { processing } from './phases/processing.js';
import type { ThumbnailsDeps, ThumbnailsInput, ThumbnailsOutput, ThumbnailsState } from './types.js';

/**
 * The thumbnail job: WebP thumbnails, in named variants, of every image content the library knows, made once
 * per content id and stored as `<directory>/<2 hex>/<content id>/<variant>.webp` with a record in the
 * library; thumbnails of contents no entry has any more are removed. discovery → processing → cleanup →
 * complete. Images need content ids: index with `mode: 'content'` or `'deep'` first.
 *
 * @example
 * const store = new SqliteStore('library.db');
 * const library = openLibrary(store.db);
 * const run = runJob(thumbnailsJob, { variants: ['grid@1x', 'detail@1x'] }, { store, deps: { library } });
 * const { output } = await run.result; // { images, thumbnails, bytes, skipped, failed, removed, ... }
 */
export const thumbnailsJob = defineJob<ThumbnailsState, ThumbnailsInput, ThumbnailsDeps, ThumbnailsOutput>({
  name: 'thumbnails',
  version: 1,
  // The library is required: running the job without `deps` does not compile.
  deps: depsType<ThumbnailsDeps>(),
  phases: [discovery, processing, cleanup, complete],
  initialState: () => ({
    variants: [],
    directory: '',
    locationId: null,
    total: 0,
    cursor: null,
    counts: { images: 0, thumbnails: 0, bytes: 0, skipped: 0, failed: 0, removed: 0, temporaryRemoved: 0 },
  }),
  output: (state) => ({
    ...state.counts,
    directory: state.directory,
    variants: state.variants,
    locationId: state.locationId,
  }),
});
