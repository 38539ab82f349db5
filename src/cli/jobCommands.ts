import type { JobDescriptor } from '../jobs/descriptor/JobDescriptor.js';

/** One line of {@link JOB_COMMANDS}: what `--help` shows without loading the job, and how to load it. */
export interface JobCommandEntry {
  /** `phasekit <command>`: the descriptor's `command`. */
  readonly command: string;
  /** The job definition's name, as stored with each job: how `resume`, `jobs --check` and `graph` find it. */
  readonly job: string;
  /** The descriptor's `summary` (`test/cli/jobCommands.test.ts` checks they are equal). */
  readonly summary: string;
  /** Loads the job folder's descriptor, and with it the job and what it imports. */
  readonly load: () => Promise<JobDescriptor>;
}

/**
 * Every job the CLI offers, one line each: adding a job is its folder (with its `<job>Descriptor.ts`) and one
 * line here. The CLI builds each command from the descriptor, adds `--library`, `--json` and `--inspect`, and
 * runs it through the job manager; `phasekit resume` finds a stored job's descriptor here by its job name.
 * Nothing is loaded until a command needs it, so `phasekit --help` and `--version` start at once.
 */
export const JOB_COMMANDS: readonly JobCommandEntry[] = [
  {
    command: 'index',
    job: 'indexer',
    summary: 'Index a directory into the library (or in memory with --ephemeral), with live progress.',
    load: async () => (await import('../jobs/indexer/indexerDescriptor.js')).indexerDescriptor,
  },
  {
    command: 'copy',
    job: 'copy',
    summary:
      'Copy (or move) files and directories, resumable: killed at any moment, `phasekit resume` finishes it.',
    load: async () => (await import('../jobs/copy/copyDescriptor.js')).copyDescriptor,
  },
  {
    command: 'delete',
    job: 'delete',
    summary:
      'Delete files and directories: to the trash (default), permanently, or securely (overwritten first).',
    load: async () => (await import('../jobs/delete/deleteDescriptor.js')).deleteDescriptor,
  },
  {
    command: 'duplicates',
    job: 'duplicates',
    summary: 'Find files stored more than once and the space they waste, with live progress.',
    load: async () => (await import('../jobs/duplicates/duplicatesDescriptor.js')).duplicatesDescriptor,
  },
  {
    command: 'validate',
    job: 'validation',
    summary: 'Check an indexed location against the disk: missing, changed and corrupted files, and more.',
    load: async () => (await import('../jobs/validation/validationDescriptor.js')).validationDescriptor,
  },
  {
    command: 'thumbnails',
    job: 'thumbnails',
    summary: 'Make WebP thumbnails of the images in the library, once per content; remove orphaned ones.',
    load: async () => (await import('../jobs/thumbnails/thumbnailsDescriptor.js')).thumbnailsDescriptor,
  },
];
