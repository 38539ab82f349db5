import type { Command } from 'commander';
import type { JobDescriptor } from '../jobs/descriptor/JobDescriptor.js';
import { JOB_COMMANDS, type JobCommandEntry } from './jobCommands.js';
import { runJobCommand } from './runJobCommand.js';

/** What `--library`, `--json` and `--inspect` say in every job command's help, unless its descriptor says more. */
export const COMMON_HELP = {
  library: 'library file (default $PHASEKIT_HOME/library.db or ~/.local/share/phasekit/library.db)',
  json: 'JSON lines: progress, then the result',
  inspect: 'stream the job to the Stately inspector (prints the URL)',
} as const;

/**
 * Add a job's command to `program`, built from its descriptor: its arguments and options, then `--library`,
 * `--json` and `--inspect`, its help text; the action builds the input and runs the job through the job
 * manager ({@link runJobCommand}). `entries` is where a follow-on job (`index --thumbnails`) is found.
 */
export function addJobCommand(
  program: Command,
  descriptor: JobDescriptor,
  entries: readonly JobCommandEntry[] = JOB_COMMANDS,
): Command {
  const command = program.command(descriptor.command).description(descriptor.summary);
  for (const a of descriptor.arguments) {
    const name = `${a.name}${a.variadic ? '...' : ''}`;
    command.argument(a.optional ? `[${name}]` : `<${name}>`, a.description);
  }
  for (const o of descriptor.options) {
    if (o.default === undefined) command.option(o.flags, o.description);
    else command.option(o.flags, o.description, o.default);
  }
  command
    .option('--library <file>', descriptor.commonHelp?.library ?? COMMON_HELP.library)
    .option('--json', descriptor.commonHelp?.json ?? COMMON_HELP.json)
    .option('--inspect', COMMON_HELP.inspect)
    .addHelpText('after', descriptor.help)
    .action(async (...values: unknown[]) => {
      const args: Record<string, unknown> = {};
      descriptor.arguments.forEach((a, i) => {
        args[a.name] = values[i];
      });
      const options = values[descriptor.arguments.length] as Record<string, unknown>;
      process.exitCode = await runJobCommand(descriptor, args, options, entries);
    });
  return command;
}
