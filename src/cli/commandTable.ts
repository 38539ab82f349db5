import type { Command } from 'commander';

/**
 * Every command, with the one line `phasekit --help` shows. A command's module — and the jobs, SQLite, sharp and
 * BLAKE3 it pulls in — loads only when that command runs, so `phasekit --version` and `--help` start at once.
 * (`test/cli/lazyCommands.test.ts` checks each summary against the command's own description.)
 */
export const COMMANDS: readonly {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<(program: Command) => void>;
}[] = [
  {
    name: 'index',
    summary: 'Index a directory into the library (or in memory with --ephemeral), with live progress.',
    load: async () => (await import('./commands/indexCommand.js')).indexCommand,
  },
  {
    name: 'copy',
    summary:
      'Copy (or move) files and directories, resumable: killed at any moment, `phasekit resume` finishes it.',
    load: async () => (await import('./commands/copyCommand.js')).copyCommand,
  },
  {
    name: 'delete',
    summary:
      'Delete files and directories: to the trash (default), permanently, or securely (overwritten first).',
    load: async () => (await import('./commands/deleteCommand.js')).deleteCommand,
  },
  {
    name: 'jobs',
    summary: 'List jobs: those not finished, or all with --all.',
    load: async () => (await import('./commands/jobsCommand.js')).jobsCommand,
  },
  {
    name: 'resume',
    summary: 'Resume a paused or interrupted job from its last checkpoint, with live progress.',
    load: async () => (await import('./commands/resumeJobCommand.js')).resumeCommands,
  },
  {
    name: 'pause',
    summary: 'Pause a job running in another process: it stops at its next checkpoint, resumable.',
    load: async () => (await import('./commands/pauseCommand.js')).pauseCommand,
  },
  {
    name: 'cancel',
    summary:
      "Cancel a job: its phase's cleanup runs and it ends cancelled. A job running in another process is asked to cancel at its next checkpoint.",
    load: async () => (await import('./commands/cancelCommand.js')).cancelCommand,
  },
  {
    name: 'graph',
    summary: "Print a job's state machine as Mermaid or as XState's JSON.",
    load: async () => (await import('./commands/graphCommand.js')).graphCommand,
  },
  {
    name: 'duplicates',
    summary: 'Find files stored more than once and the space they waste, with live progress.',
    load: async () => (await import('./commands/duplicatesCommand.js')).duplicatesCommand,
  },
  {
    name: 'validate',
    summary: 'Check an indexed location against the disk: missing, changed and corrupted files, and more.',
    load: async () => (await import('./commands/validateCommand.js')).validateCommand,
  },
  {
    name: 'thumbnails',
    summary: 'Make WebP thumbnails of the images in the library, once per content; remove orphaned ones.',
    load: async () => (await import('./commands/thumbnailsCommand.js')).thumbnailsCommand,
  },
  {
    name: 'worker',
    summary: 'Run jobs from a shared PostgreSQL store, with any number of workers on any machines.',
    load: async () => (await import('./commands/workerCommand.js')).workerCommand,
  },
];
