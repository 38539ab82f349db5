import type { Command } from 'commander';
import { JOB_COMMANDS } from './jobCommands.js';

/** A command of `phasekit`: its name, the line `--help` shows, and how to add it once it runs. */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<(program: Command) => void>;
}

/**
 * Every command, with the one line `phasekit --help` shows: the job commands, built from their descriptors
 * ({@link JOB_COMMANDS}), then the commands about jobs. A command's module — and the jobs, SQLite, sharp and
 * BLAKE3 it pulls in — loads only when that command runs, so `phasekit --version` and `--help` start at once.
 * (`test/cli/lazyCommands.test.ts` checks each summary against the command's own description.)
 */
export const COMMANDS: readonly CommandEntry[] = [
  ...JOB_COMMANDS.map(
    (entry): CommandEntry => ({
      name: entry.command,
      summary: entry.summary,
      load: async () => {
        const [descriptor, { addJobCommand }] = await Promise.all([entry.load(), import('./jobCommand.js')]);
        return (program) => void addJobCommand(program, descriptor);
      },
    }),
  ),
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
    name: 'worker',
    summary: 'Run jobs from a shared PostgreSQL store, with any number of workers on any machines.',
    load: async () => (await import('./commands/workerCommand.js')).workerCommand,
  },
];
