import { decode, encode } from '@msgpack/msgpack';
import { JobNotFoundError } from '../JobNotFoundError.js';
import type {
  JobMeta,
  JobRecord,
  JobStatus,
  ListFilter,
  SaveOptions,
  SnapshotStore,
  StoredJob,
} from '../types.js';
import { filterRecords } from './filterRecords.js';
import { runAtomicWith } from './runAtomicWith.js';
import { toJobRecord } from './toJobRecord.js';

/**
 * A store in process memory: for tests and for jobs that need not survive the process.
 *
 * It behaves like the persistent stores where it matters to callers: stored bytes are copied in and out, so
 * no caller can change a stored checkpoint through a reference it holds, and the record's `input` is put
 * through MessagePack, so an input a real store could not keep fails here too. It holds no transaction:
 * `atomicWith` runs just before the write (`atomic: false`). Fences are not checked (no leases).
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * await store.save('job-1', bytes, meta);
 * const stored = await store.load('job-1');
 * ```
 */
export class MemoryStore implements SnapshotStore {
  readonly atomic = false;
  readonly #jobs = new Map<string, { bytes: Uint8Array; record: JobRecord }>();

  /** Replace the job's checkpoint and record; runs `opts.atomicWith` first; nothing saved if it throws. */
  async save(jobId: string, bytes: Uint8Array, meta: JobMeta, opts: SaveOptions = {}): Promise<void> {
    const record = cloneRecord(
      toJobRecord(jobId, meta, this.#jobs.get(jobId)?.record.createdAt ?? meta.updatedAt),
    );
    runAtomicWith(opts.atomicWith);
    this.#jobs.set(jobId, { bytes: bytes.slice(), record });
  }

  /** The job's checkpoint (a copy) and record, or `undefined`. */
  async load(jobId: string): Promise<StoredJob | undefined> {
    const job = this.#jobs.get(jobId);
    return job && { id: jobId, bytes: job.bytes.slice(), record: cloneRecord(job.record) };
  }

  /** Records of stored jobs, newest `updatedAt` first, then by id. */
  async list(filter?: ListFilter): Promise<JobRecord[]> {
    return filterRecords(
      Array.from(this.#jobs.values(), (job) => cloneRecord(job.record)),
      filter,
    );
  }

  /**
   * Set the record's status, keeping the checkpoint and `updatedAt` (the time of the last checkpoint).
   * @throws {JobNotFoundError} when the store holds no such job.
   */
  async setStatus(jobId: string, status: JobStatus): Promise<void> {
    const job = this.#jobs.get(jobId);
    if (!job) throw new JobNotFoundError(jobId);
    job.record = { ...job.record, status };
  }

  /** Remove the job; removing an unknown job does nothing. */
  async delete(jobId: string): Promise<void> {
    this.#jobs.delete(jobId);
  }

  /** Nothing to release; the jobs stay readable. */
  async close(): Promise<void> {}
}

function cloneRecord(record: JobRecord): JobRecord {
  return record.input === undefined
    ? { ...record }
    : { ...record, input: decode(encode(record.input, { ignoreUndefined: true })) };
}
