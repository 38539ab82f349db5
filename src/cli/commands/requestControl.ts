import type { ControlRequest, Lease, SnapshotStore } from '../../persistence/types.js';
import { CliError } from '../CliError.js';
import type { Workspace } from '../openWorkspace.js';
import { describeOwner } from './findJob.js';

/**
 * Ask the process that runs job `id` to pause or cancel it, through the store; prints what was asked (never
 * that the job stopped: it stops at its next checkpoint).
 */
export async function requestControl(
  ws: Workspace,
  id: string,
  request: ControlRequest,
  owner: Lease,
  json: boolean,
): Promise<void> {
  const store: SnapshotStore = ws.store;
  if (!store.requestControl) {
    throw new CliError(
      `Job ${id} is running in ${describeOwner(owner)}, which this store cannot reach: ` +
        `stop it there (Ctrl-C pauses it).`,
    );
  }
  await store.requestControl(id, request);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ jobId: id, requested: request, owner: { pid: owner.pid, host: owner.host, workerId: owner.workerId } })}\n`,
    );
    return;
  }
  process.stdout.write(
    `${request === 'pause' ? 'Pause' : 'Cancel'} requested for job ${id}, running in ${describeOwner(owner)}; ` +
      `the job stops at its next checkpoint${request === 'cancel' ? ' and runs its cleanup' : ''}. ` +
      `phasekit jobs shows when it has.\n`,
  );
}
