import type { JobResult } from '../machines/JobRun.js';
import type { JobDefinition } from '../phases/defineJob.js';
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
