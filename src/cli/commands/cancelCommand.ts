import type { Command } from 'commander';
import type { JobResult } from '../../machines/JobRun.js';
import { createJobManager } from '../../manager/createJobManager.js';
import { JobLockedError } from '../../persistence/JobLockedError.js';
import type { SnapshotStore } from '../../persistence/types.js';
import { CliError } from '../CliError.js';
import { leaseOptions } from '../leaseOptions.js';
import { libraryPath } from '../libraryPath.js';
import { openWorkspaceFor, type Workspace } from '../openWorkspace.js';
import type { StoreOption } from '../openWorkspace.js';
import { cannotResumeError } from './cannotResumeError.js';
import { findJob, findStored, hasEnded, liveOwner, unknownOwnerError } from './findJob.js';
import { requestControl } from './requestControl.js';

interface CancelOptions {
  library?: string;
  json?: boolean;
  force?: boolean;
}

/** `phasekit cancel <id> [--force]` */
export function cancelCommand(program: Command): void {
  program
    .command('cancel')
    .description(
      "Cancel a job: its phase's cleanup runs and it ends cancelled. A job running in another process is " +
        'asked to cancel at its next checkpoint.',
    )
    .argument('<id>', 'job id (see phasekit jobs)')
    .option('--library <file>', 'library file')
    .option('--store <url>', 'a shared store (postgres://…) instead of the library’s own')
    .option('--schema <name>', 'schema of the shared store’s tables', 'phasekit')
    .option(
      '--force',
      'mark the job cancelled without running its cleanup (e.g. its checkpoint is unreadable)',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  phasekit cancel 3f0c9e2a-…            cleanup runs (a copy removes its partial files), the job ends cancelled
  phasekit cancel --force 3f0c9e2a-…    no cleanup: for a job whose checkpoint cannot be read
`,
    )
    .action(async (id: string, options: CancelOptions & StoreOption) => {
      const ws = await openWorkspaceFor(libraryPath(options.library), options);
      try {
        process.exitCode = options.force ? await forceCancel(ws, id, options) : await cancel(ws, id, options);
      } finally {
        await ws.close();
      }
    });
}

async function cancel(ws: Workspace, id: string, options: CancelOptions & StoreOption): Promise<number> {
  const { job, record } = await findJob(ws, id);
  if (hasEnded(record.status)) throw new CliError(`Job ${id} already ended (${record.status}).`);
  const unknown = unknownOwnerError(ws, id, record.status);
  if (unknown) throw unknown;
  const owner = await liveOwner(ws, id);
  if (owner) {
    await requestControl(ws, id, 'cancel', owner, options.json === true);
    return 0;
  }
  // Through the job manager: it restores the job without resuming it and cancels it, so its phase's onFailure
  // runs as cleanup (a job that never started is only marked cancelled).
  const manager = createJobManager({
    store: ws.store,
    jobs: [job.definition],
    deps: job.deps(ws),
    runOptions: leaseOptions(),
  });
  let result: JobResult;
  try {
    result = await manager.cancel(id);
  } catch (error) {
    // Another process took the job between the probe and now.
    if (error instanceof JobLockedError) {
      await requestControl(ws, id, 'cancel', error.holder, options.json === true);
      return 0;
    }
    throw cannotResumeError(id, error);
  } finally {
    await manager.shutdown();
  }
  if (options.json) process.stdout.write(`${JSON.stringify({ jobId: id, status: result.status })}\n`);
  else process.stdout.write(`Job ${id} ${result.status}.\n`);
  return result.status === 'cancelled' ? 0 : 1;
}

async function forceCancel(ws: Workspace, id: string, options: CancelOptions & StoreOption): Promise<number> {
  const { record } = await findStored(ws, id);
  if (hasEnded(record.status)) throw new CliError(`Job ${id} already ended (${record.status}).`);
  const unknown = unknownOwnerError(ws, id, record.status);
  if (unknown) throw unknown;
  const owner = await liveOwner(ws, id);
  if (owner) {
    throw new CliError(
      `Job ${id} is running in process ${owner.pid} on ${owner.host}: cancel it without --force ` +
        '(it is asked to stop at its next checkpoint and runs its cleanup).',
    );
  }
  const store: SnapshotStore = ws.store;
  await store.setStatus!(id, 'cancelled');
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ jobId: id, status: 'cancelled', cleanup: false })}\n`);
  } else {
    process.stdout.write(
      `Job ${id} marked cancelled without running its cleanup: what it left on disk stays ` +
        `(a copy's partial files, say). phasekit jobs --remove ${id} removes its record.\n`,
    );
  }
  return 0;
}
