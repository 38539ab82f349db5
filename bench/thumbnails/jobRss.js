/**
 * Run the thumbnail job once, alone in this process, and print its peak RSS: used by thumbnails.bench.js so
 * that the memory figure is the job's own, not that of the benchmark's other variants.
 * Usage: node bench/thumbnails/jobRss.js LIBRARY.db LOCATION_DIR
 */
import { runJob } from '../../dist/index.js';
import { SqliteStore } from '../../dist/sqlite.js';
import { openLibrary } from '../../dist/jobs/library/openLibrary.js';
import { thumbnailsJob } from '../../dist/jobs/thumbnails/thumbnailsJob.js';

const [file, location] = process.argv.slice(2);
const library = openLibrary(file);
const store = new SqliteStore(library.db);
const result = await runJob(thumbnailsJob, { location }, { store, deps: { library } }).result;
library.close();
if (result.status !== 'completed')
  throw new Error(`thumbnail job ${result.status}: ${result.failure?.message}`);
console.log(
  JSON.stringify({ images: result.output.images, maxRssBytes: process.resourceUsage().maxRSS * 1024 }),
);
