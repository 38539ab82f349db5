import { indexerJob } from '../jobs/indexer/indexerJob.js';
import { thumbnailsJob } from '../jobs/thumbnails/thumbnailsJob.js';
import { copyCliJob } from './commands/copyCommand.js';
import { deleteCliJob } from './commands/deleteCommand.js';
import { duplicatesCliJob } from './commands/duplicatesCommand.js';
import { validationCliJob } from './commands/validateCommand.js';
import type { CliJob } from './CliJob.js';

export type { CliJob, JobFailures } from './CliJob.js';

/** Every job the CLI knows, by definition name. */
export const CLI_JOBS: Record<string, CliJob> = {
  copy: copyCliJob,
  delete: deleteCliJob,
  duplicates: duplicatesCliJob,
  validation: validationCliJob,
  indexer: {
    definition: indexerJob,
    deps: (ws) => ({ library: ws.library }),
    summary: (o) =>
      `${o.path}: ${o.files} files, ${o.dirs} dirs, ${o.symlinks} links, ${o.bytes} bytes — ` +
      `${o.new} new, ${o.modified} modified, ${o.moved} moved, ${o.deleted} deleted, ${o.unchanged} unchanged` +
      (o.contentIds ? `, ${o.contentIds} content ids` : '') +
      (o.deep ? `, ${o.deep} sniffed` : ''),
  },
  thumbnails: {
    definition: thumbnailsJob,
    deps: (ws) => ({ library: ws.library }),
    summary: (o) =>
      `${o.images} images, ${o.thumbnails} thumbnails (${o.bytes} bytes) in ${o.directory}; ` +
      `${o.skipped} already done, ${o.failed} unreadable, ${o.removed} orphaned sets removed`,
  },
};

/** Look up a job by name, or fail with the names known. */
export function cliJob(name: string): CliJob {
  const job = CLI_JOBS[name];
  if (!job) throw new Error(`Unknown job "${name}". Jobs: ${Object.keys(CLI_JOBS).join(', ')}.`);
  return job;
}
