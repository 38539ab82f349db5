import type { Command } from 'commander';
import { resumeJob } from '../../machines/resumeJob.js';
import { CliError } from '../CliError.js';
import { leaseOptions } from '../leaseOptions.js';
import { type AttachedInspector, attachInspector, type InspectOption } from '../inspect.js';
import { libraryPath } from '../libraryPath.js';
import { openWorkspaceFor } from '../openWorkspace.js';
import type { StoreOption } from '../openWorkspace.js';
import { runInForeground } from '../runInForeground.js';
import { cannotResumeError } from './cannotResumeError.js';
import { findJob } from './findJob.js';
import { resumeCommandFor } from './resumeCommand.js';

/** `phasekit resume <id>` */
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
          // A completed job (say, killed between its last checkpoint and its exit) gives its result again.
          inspector = await attachInspector(options);
          const run = await resumeJob(job.definition, id, {
            ...leaseOptions(),
            store: ws.store,
            deps: job.deps(ws),
            inspect: inspector.inspect,
          }).catch((error: unknown) => {
            throw cannotResumeError(id, error);
          });
          process.exitCode = await runInForeground(run, {
            json: options.json === true,
            resumeCommand: resumeCommandFor(id, options.library, options),
            summary: job.summary,
            failures: job.failures,
          });
        } finally {
          await inspector?.stop();
          await ws.close();
        }
      },
    );
}
