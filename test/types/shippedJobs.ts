/**
 * The shipped jobs that need the library declare it: running them without `deps` is a compile error, not
 * "Cannot read properties of undefined (reading 'library')" at run time.
 */
import { MemoryStore, runJob } from '../../src/index.js';
import { copyJob, openLibrary, thumbnailsJob, validationJob } from '../../src/jobs/index.js';

const store = new MemoryStore();
const library = openLibrary(':memory:');

// @ts-expect-error copy needs { library }
runJob(copyJob, { sources: ['/a'], destination: '/b' }, { store });
runJob(copyJob, { sources: ['/a'], destination: '/b' }, { store, deps: { library } });
// @ts-expect-error validation needs { library }
runJob(validationJob, { location: '/a' }, { store });
// @ts-expect-error thumbnails needs { library }
runJob(thumbnailsJob, {}, { store });
runJob(thumbnailsJob, {}, { store, deps: { library } });
