import { indexerJob } from '../jobs/indexer/indexerJob.js';
import { thumbnailsJob } from '../jobs/thumbnails/thumbnailsJob.js';
import type { JobResult } from '../machines/JobRun.js';
import type { JobDefinition } from '../phases/defineJob.js';
import { copyCliJob } from './commands/copyCommand.js';
import { deleteCliJob } from './commands/deleteCommand.js';
import { duplicatesCliJob } from './commands/duplicatesCommand.js';
import { validationCliJob } from './commands/validateCommand.js';
import type { Workspace } from './openWorkspace.js';

/**
 * What went wrong in a job that completed: the items it could not handle. A job command that reports failures
 * does not say "Done" and exits non-zero, as `cp` and `rm` do.
 */
export interface JobFailures {
  /** How many items failed. A count of 0 is no failure. */
  readonly count: number;
  /** What failed, one line each (the first ones are printed; `--json` gives them all). */
  readonly lines: readonly string[];
  /** What the count counts, printed after it: `3 files could not be copied`. Default `items failed`. */
  readonly label?: string;
  /** The exit code. Default 1. */
  readonly exitCode?: number;
}

/** A job the CLI can run and resume: its definition and how to build its deps from the workspace. */
export interface CliJob {
  readonly definition: JobDefinition<any, any, any, any>;
  readonly deps: (workspace: Workspace) => unknown;
  /** One line describing a result for humans. */
  readonly summary: (output: any) => string;
  /**
   * The items of a completed job that failed, or `undefined` when none did. Leave it out for jobs whose
   * non-fatal errors are only reported: the indexer, duplicates and thumbnails complete, say how many errors
   * (an unreadable directory, file or image) and exit 0.
   */
  readonly failures?: (output: any, result: JobResult) => JobFailures | undefined;
}

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
