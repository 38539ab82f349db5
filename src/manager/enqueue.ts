import { newJobId } from '../adapters/newJobId.js';
import { systemClock } from '../adapters/systemClock.js';
import type { SnapshotStore } from '../persistence/types.js';
import type { JobDefinition } from '../phases/defineJob.js';
import type { Clock } from '../phases/types.js';
import { JobExistsError } from './JobExistsError.js';
import { queuedCheckpoint } from './queuedCheckpoint.js';

/** Options of {@link enqueue}. */
export interface EnqueueOptions {
  /** Id for the new job. Default: a random UUID. An id the store already holds is refused. */
  readonly jobId?: string;
  readonly clock?: Clock;
}

/**
 * Put a job into a shared store's queue: its input and initial state are saved as a `queued` checkpoint,
 * and the first free worker that runs `definition` claims it (a `PostgresStore` wakes idle workers at once).
 * Returns the job's id.
 *
 * @example
 * const id = await enqueue(store, thumbnailsJob, { location: '/photos' });
 * @throws {JobExistsError} when `jobId` names a job the store holds.
 * @throws {SnapshotEncodeError} when the input or initial state cannot be kept in a checkpoint.
 */
export async function enqueue<S, I>(
  store: SnapshotStore,
  definition: JobDefinition<S, I, any, any>,
  input: I,
  options: EnqueueOptions = {},
): Promise<string> {
  const jobId = options.jobId ?? newJobId();
  if (options.jobId !== undefined && (await store.load(jobId)) !== undefined) throw new JobExistsError(jobId);
  const { bytes, meta } = queuedCheckpoint(definition, jobId, input, (options.clock ?? systemClock).now());
  await store.save(jobId, bytes, meta);
  return jobId;
}

/**
 * Send a paused (or stopped) job back to a shared store's queue, so a worker continues it. Does nothing to a
 * job that ended.
 *
 * @throws {JobNotFoundError} when the store holds no such job.
 */
export async function requeue(store: SnapshotStore, jobId: string): Promise<void> {
  const stored = await store.load(jobId);
  const status = stored?.record.status;
  if (status === 'completed' || status === 'failed' || status === 'cancelled') return;
  if (store.setStatus === undefined) throw new TypeError('requeue needs a store with setStatus()');
  await store.setStatus(jobId, 'queued');
}
