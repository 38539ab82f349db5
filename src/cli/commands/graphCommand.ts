import type { Command } from 'commander';
import { compileJob } from '../../machines/compileJob.js';
import { toMermaid } from '../../machines/toMermaid.js';
import { CliError } from '../CliError.js';
import { jobNames, requireDescriptor } from '../registry.js';

/** `phasekit graph <job>` */
export function graphCommand(program: Command): void {
  program
    .command('graph')
    .description("Print a job's state machine as Mermaid or as XState's JSON.")
    .argument('<job>', `job name: ${jobNames().join(', ')}`)
    .option('--format <format>', 'mermaid | json', 'mermaid')
    .option('--detail <detail>', 'phases | states (mermaid only)', 'phases')
    .addHelpText(
      'after',
      '\nExamples:\n  phasekit graph indexer\n  phasekit graph indexer --detail states > indexer.mmd\n',
    )
    .action(async (name: string, options: { format: string; detail: string }) => {
      const job = await requireDescriptor(name);
      if (options.format === 'json') {
        process.stdout.write(`${JSON.stringify(compileJob(job.definition).toJSON(), null, 2)}\n`);
      } else if (options.format === 'mermaid') {
        if (options.detail !== 'phases' && options.detail !== 'states')
          throw new CliError('--detail is phases or states.');
        process.stdout.write(toMermaid(job.definition, { detail: options.detail }));
      } else {
        throw new CliError(`Unknown --format "${options.format}": use mermaid or json.`);
      }
    });
}
