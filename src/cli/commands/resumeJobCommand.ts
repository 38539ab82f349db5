import type { Command } from 'commander';
import { CliError } from '../CliError.js';
import { type AttachedInspector, attachInspector, type InspectOption } from '../inspect.js';
import { libraryPath } from '../libraryPath.js';
import { openWorkspaceFor } from '../openWorkspace.js';
import type { StoreOption } from '../openWorkspace.js';
import { runThroughManager } from '../runThroughManager.js';
import { cannotResumeError } from './cannotResumeError.js';
import { findJob } from './findJob.js';
import { resumeCommandFor } from './resumeCommand.js';

/**
 * `phasekit resume <id>`: the stored job's descriptor comes from the registry of job commands, and the job
 * goes on through the job manager exactly as it ran: live progress, Ctrl-C pauses, the same summary and exit
 * code.
 */
export function resumeCommands(program: Command): void {
  program
    .command('resume')
    .description('Resume a paused or interrupted job from its last checkpoint, with live progress.')
    .argument('<id>', 'job id (see phasekit jobs)')
    .option('--library <file>', 'library file')
    .option('--store <url>', 'a shared store (postgres://…) instead of the library’s own')
    .option('--schema <name>', 'schema of the shared store’s tables', 'phasekit')
    .option('--json', 'JSON lines: progress, then the result')
    .option('--inspect', 'stream the job to the Stately inspector (prints the URL)')
    .addHelpText('after', '\nExample:\n  phasekit resume 3f0c9e2a-…\n')
    .action(
      async (id: string, options: { library?: string; json?: boolean } & InspectOption & StoreOption) => {
        const ws = await openWorkspaceFor(libraryPath(options.library), options);
        let inspector: AttachedInspector | undefined;
        try {
          const { job, record } = await findJob(ws, id);
          if (record.status === 'failed' || record.status === 'cancelled') {
            throw new CliError(`Job ${id} already ended (${record.status}); there is nothing to resume.`);
          }
          inspector = await attachInspector(options);
          process.exitCode = await runThroughManager(
            job,
            { kind: 'resume', id, completed: record.status === 'completed' },
            {
              store: ws.store,
              deps: job.deps(ws),
              inspect: inspector.inspect,
              json: options.json === true,
              resumeCommand: () => resumeCommandFor(id, options.library, options),
              explain: (error) => cannotResumeError(id, error),
            },
          );
        } finally {
          await inspector?.stop();
          await ws.close();
        }
      },
    );
}
