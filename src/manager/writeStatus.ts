import { JobNotFoundError } from '../persistence/JobNotFoundError.js';
import type { JobMeta, JobRecord, JobStatus, SnapshotStore } from '../persistence/types.js';

/**
 * Change a stored job's status without a new checkpoint: through `store.setStatus` where the store has it,
 * else by saving the same checkpoint bytes again under the changed record. `changes` may also set `error`
 * and `updatedAt` (those always go through a save).
 *
 * @throws {JobNotFoundError} when the store holds no such job.
 */
export async function writeStatus(
  store: SnapshotStore,
  jobId: string,
  status: JobStatus,
  changes: { readonly error?: string | null; readonly updatedAt?: number } = {},
): Promise<void> {
  if (store.setStatus !== undefined && changes.error === undefined && changes.updatedAt === undefined) {
    await store.setStatus(jobId, status);
    return;
  }
  const stored = await store.load(jobId);
  if (stored === undefined) throw new JobNotFoundError(jobId);
  await store.save(jobId, stored.bytes, { ...metaOf(stored.record), status, ...changes });
}

function metaOf(record: JobRecord): JobMeta {
  return {
    name: record.name,
    version: record.version,
    status: record.status,
    phase: record.phase,
    percent: record.percent,
    errorsCount: record.errorsCount,
    error: record.error ?? null,
    ...(record.input === undefined ? {} : { input: record.input }),
    updatedAt: record.updatedAt,
  };
}
