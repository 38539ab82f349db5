import { JobLockedError } from '../../persistence/JobLockedError.js';
import type { JobRecord, Lease, SnapshotStore, StoredJob } from '../../persistence/types.js';
import { CliError } from '../CliError.js';
import { cliOwner } from '../cliOwner.js';
import type { Workspace } from '../openWorkspace.js';
import type { JobDescriptor } from '../../jobs/descriptor/JobDescriptor.js';
import { descriptorOfJob, jobNames } from '../registry.js';

/** A stored job and the descriptor of its job, which runs it. */
export interface FoundJob {
  readonly job: JobDescriptor;
  readonly record: JobRecord;
  readonly stored: StoredJob;
}

/** Statuses after which a job never runs again. */
export const ENDED = ['completed', 'failed', 'cancelled'] as const;

/** Whether `status` is final. */
export function hasEnded(status: string): boolean {
  return (ENDED as readonly string[]).includes(status);
}

/** The stored job `id`, or a one-line error saying how to find the right id. */
export async function findStored(ws: Workspace, id: string): Promise<StoredJob> {
  const stored = await ws.store.load(id);
  if (!stored) throw new CliError(`No job ${id} in ${ws.file}. List jobs with: phasekit jobs --all`);
  return stored;
}

/** The stored job `id` and the descriptor of its kind (from the same registry as the commands), or a one-line error. */
export async function findJob(ws: Workspace, id: string): Promise<FoundJob> {
  const stored = await findStored(ws, id);
  const job = await descriptorOfJob(stored.record.name);
  if (!job)
    throw new CliError(
      `Job ${id} is a "${stored.record.name}" job, which this phasekit does not know (jobs: ${jobNames().join(', ')}). ` +
        `phasekit jobs --remove ${id} removes it.`,
    );
  return { job, record: stored.record, stored };
}

/**
 * The live owner of job `id` in another process, or `null` when no live process holds it (or the store has no
 * leases). Probes by taking the job's lease and giving it back at once.
 */
export async function liveOwner(ws: Workspace, id: string): Promise<Lease | null> {
  const store: SnapshotStore = ws.store;
  if (!store.acquire) return null;
  // Read only where the store can say who holds a job: probing by acquisition would move the fence.
  if (store.holder) return (await store.holder(id)) ?? null;
  try {
    const lease = await store.acquire(id, cliOwner(), { leaseMs: 10_000 });
    await store.release?.(lease);
    return null;
  } catch (error) {
    if (error instanceof JobLockedError) return error.holder;
    throw error;
  }
}

/**
 * A one-line refusal for a store that has no leases (so cannot tell whether another process runs a job), when
 * the job says it is running; `undefined` otherwise.
 */
export function unknownOwnerError(ws: Workspace, id: string, status: string): CliError | undefined {
  const store: SnapshotStore = ws.store;
  if (store.acquire || status !== 'running') return undefined;
  return new CliError(
    `Job ${id} may be running in another process, and this store cannot reach it: stop it there ` +
      '(Ctrl-C pauses it), then try again.',
  );
}

/** `process 123 on host` */
export function describeOwner(lease: Lease): string {
  return `process ${lease.pid} on ${lease.host}`;
}
