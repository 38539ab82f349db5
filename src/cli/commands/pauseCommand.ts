import type { Command } from 'commander';
import { CliError } from '../CliError.js';
import { libraryPath } from '../libraryPath.js';
import { openWorkspaceFor } from '../openWorkspace.js';
import type { StoreOption } from '../openWorkspace.js';
import { findStored, hasEnded, liveOwner, unknownOwnerError } from './findJob.js';
import { requestControl } from './requestControl.js';
import { resumeCommandFor } from './resumeCommand.js';

/** `phasekit pause <id>`: pause a job running in another process, through the store. */
export function pauseCommand(program: Command): void {
  program
    .command('pause')
    .description('Pause a job running in another process: it stops at its next checkpoint, resumable.')
    .argument('<id>', 'job id (see phasekit jobs)')
    .option('--library <file>', 'library file')
    .option('--store <url>', 'a shared store (postgres://…) instead of the library’s own')
    .option('--schema <name>', 'schema of the shared store’s tables', 'phasekit')
    .option('--json', 'print what was done as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  phasekit pause 3f0c9e2a-…      then later: phasekit resume 3f0c9e2a-…\n',
    )
    .action(async (id: string, options: { library?: string; json?: boolean } & StoreOption) => {
      const ws = await openWorkspaceFor(libraryPath(options.library), options);
      try {
        const { record } = await findStored(ws, id);
        if (hasEnded(record.status)) throw new CliError(`Job ${id} already ended (${record.status}).`);
        const unknown = unknownOwnerError(ws, id, record.status);
        if (unknown) throw unknown;
        const owner = await liveOwner(ws, id);
        if (owner) {
          await requestControl(ws, id, 'pause', owner, options.json === true);
          return;
        }
        const resume = resumeCommandFor(id, options.library, options);
        const state = record.status === 'paused' ? 'already paused' : 'not running in any process';
        if (options.json)
          process.stdout.write(
            `${JSON.stringify({ jobId: id, status: record.status, running: false, resume })}\n`,
          );
        else
          process.stdout.write(
            `Job ${id} is ${state}; it resumes from its last checkpoint with: ${resume}\n`,
          );
      } finally {
        await ws.close();
      }
    });
}
