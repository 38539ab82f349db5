import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { assertValidJobId, isValidJobId } from '../InvalidJobIdError.js';
import { JobNotFoundError } from '../JobNotFoundError.js';
import { SnapshotCorruptError } from '../SnapshotCorruptError.js';
import type {
  AcquireOptions,
  ControlRequest,
  JobMeta,
  JobRecord,
  JobStatus,
  Lease,
  LeaseOwner,
  LeaseRenewal,
  ListFilter,
  SaveOptions,
  SnapshotStore,
  StoredJob,
} from '../types.js';
import { filterRecords } from './filterRecords.js';
import { packJobFile, readJobFileRecord, unpackJobFile } from './jobFile.js';
import { packLeaseFile, readLeaseFile } from './leaseFile.js';
import {
  acquireLease,
  assertHeld,
  assertRequest,
  type LeaseState,
  liveHolder,
  NO_LEASE,
  releaseLease,
  renewLease,
} from './leaseRules.js';
import { runAtomicWith } from './runAtomicWith.js';
import { toJobRecord } from './toJobRecord.js';
import { withFileLock } from './withFileLock.js';

const SUFFIX = '.ckpt';
const LEASE_SUFFIX = '.lease';
const LOCK_SUFFIX = '.lock';
/** Files read at once by `list()`: enough to overlap I/O, few enough to stay clear of EMFILE. */
const LIST_CONCURRENCY = 16;

/** Options of {@link FileStore}. */
export interface FileStoreOptions {
  /** The store's clock for lease times, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** How long a write waits for another live process's lock on the same job, in ms. Default 10 000. */
  readonly lockTimeoutMs?: number;
  /** Called when a write finds the job's lock file taken by a live process and waits (a test hook). */
  readonly onLockWait?: (jobId: string) => void;
}

/**
 * A store of one file per job, `<dir>/<jobId>.ckpt`, holding the job's record and latest checkpoint together.
 *
 * A save writes a temporary file in the same directory, fsyncs it, renames it over the job's file and fsyncs
 * the directory: after a crash at any instant the job's file is the old one or the new one, whole. A
 * temporary file left by a crash (`.<jobId>.*.tmp`) is never read. Job ids must match `/^[A-Za-z0-9._-]+$/`
 * and not start with `.` (they become file names). `atomicWith` runs just before the write, without a
 * transaction (`atomic: false`).
 *
 * Every write to a job (save, setStatus, delete, and the lease operations) runs under the job's lock file
 * `<jobId>.lock`, a cross-process mutex (see {@link withFileLock}; a lock left by a killed process is taken
 * over at once), and within this process one after another: two processes writing one job never lose a write.
 *
 * One owner per job: the lease lives in a side file `<jobId>.lease` (fence, holder, pending request), written
 * like the job file (temp, fsync, rename, fsync dir) so fences survive crashes and restarts; `delete` keeps
 * it, so a job id reused later still gets higher fences. A fenced `save` checks the fence under the lock,
 * before `atomicWith` and before the rename: a stale writer is refused with `LeaseLostError` and its
 * checkpoint never lands. `list()` reads only `*.ckpt`: lease, lock and temp files are not jobs.
 *
 * @example
 * ```ts
 * const store = new FileStore('./.phasekit/jobs');
 * await store.save(jobId, encodeEnvelope(envelope), meta);
 * ```
 */
export class FileStore implements SnapshotStore {
  readonly atomic = false;
  /** Directory holding the job files; created on first save. */
  readonly dir: string;
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #options: FileStoreOptions;
  readonly #now: () => number;

  constructor(dir: string, options: FileStoreOptions = {}) {
    this.dir = dir;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Replace the job's file with `bytes` and the record for `meta`, keeping `createdAt` from the first save.
   * Runs `opts.atomicWith` just before writing, and writes nothing if it throws.
   * @throws {InvalidJobIdError} when `jobId` cannot be a file name.
   * @throws {LeaseLostError} when `opts.fence` is given and is not the fence of the job's held lease; then
   *   `atomicWith` does not run and nothing is written.
   */
  async save(jobId: string, bytes: Uint8Array, meta: JobMeta, opts: SaveOptions = {}): Promise<void> {
    assertValidJobId(jobId);
    return this.#locked(jobId, async () => {
      if (opts.fence !== undefined) assertHeld(jobId, opts.fence, await this.#readLease(jobId));
      const previous = await this.#readRecordOrUndefined(jobId);
      const data = packJobFile(toJobRecord(jobId, meta, previous?.createdAt ?? meta.updatedAt), bytes);
      runAtomicWith(opts.atomicWith);
      await this.#writeAtomically(jobId, this.#file(jobId), data);
    });
  }

  /**
   * The job's checkpoint and record, or `undefined` when there is no file for it.
   * @throws {SnapshotCorruptError} when the job's file is damaged.
   */
  async load(jobId: string): Promise<StoredJob | undefined> {
    assertValidJobId(jobId);
    const data = await this.#readFileOrUndefined(jobId);
    if (data === undefined) return undefined;
    const { record, bytes } = unpackJobFile(data, this.#file(jobId), jobId);
    return { id: jobId, bytes, record };
  }

  /**
   * Records of the jobs in the directory, newest `updatedAt` first, then by id. Reads only each file's
   * header.
   * @throws {SnapshotCorruptError} naming the file when a job file is damaged.
   */
  async list(filter?: ListFilter): Promise<JobRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    // Temp files (`.<id>.*.tmp`) and files no job id could have made are not jobs.
    const ids = names.filter((n) => n.endsWith(SUFFIX)).map((n) => n.slice(0, -SUFFIX.length));
    const jobIds = ids.filter(isValidJobId);
    const records: JobRecord[] = [];
    for (let i = 0; i < jobIds.length; i += LIST_CONCURRENCY) {
      const batch = jobIds.slice(i, i + LIST_CONCURRENCY);
      const read = await Promise.all(batch.map((id) => readJobFileRecord(this.#file(id), id)));
      for (const record of read) if (record !== undefined) records.push(record);
    }
    return filterRecords(records, filter);
  }

  /**
   * Set the record's status, keeping the checkpoint and `updatedAt` (the time of the last checkpoint).
   * @throws {JobNotFoundError} when there is no file for the job.
   */
  async setStatus(jobId: string, status: JobStatus): Promise<void> {
    assertValidJobId(jobId);
    return this.#locked(jobId, async () => {
      const data = await this.#readFileOrUndefined(jobId);
      if (data === undefined) throw new JobNotFoundError(jobId);
      const { record, bytes } = unpackJobFile(data, this.#file(jobId), jobId);
      await this.#writeAtomically(jobId, this.#file(jobId), packJobFile({ ...record, status }, bytes));
    });
  }

  /** Remove the job's file (not its lease file: the fence must survive); removing an unknown job does nothing. */
  async delete(jobId: string): Promise<void> {
    assertValidJobId(jobId);
    return this.#locked(jobId, async () => {
      try {
        await unlink(this.#file(jobId));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      await this.#syncDir();
    });
  }

  /** Take the job's lease (see {@link SnapshotStore.acquire}); a live holder, this process included, refuses. */
  async acquire(jobId: string, owner: LeaseOwner, opts: AcquireOptions): Promise<Lease> {
    assertValidJobId(jobId);
    return this.#locked(jobId, async () => {
      const current = (await this.#readLease(jobId)) ?? NO_LEASE;
      const { lease, state } = acquireLease(jobId, current, owner, opts, this.#now());
      await this.#writeLease(jobId, state);
      return lease;
    });
  }

  /** Extend the lease and report a pending request; throws `LeaseLostError` when it is no longer held. */
  async renew(lease: Lease, opts: AcquireOptions): Promise<LeaseRenewal> {
    assertValidJobId(lease.jobId);
    return this.#locked(lease.jobId, async () => {
      const current = (await this.#readLease(lease.jobId)) ?? NO_LEASE;
      const { renewal, state } = renewLease(lease, current, opts, this.#now());
      await this.#writeLease(lease.jobId, state);
      return renewal;
    });
  }

  /** The job's live holder, read only (see {@link SnapshotStore.holder}). */
  async holder(jobId: string): Promise<Lease | undefined> {
    return liveHolder(jobId, await this.#readLease(jobId), this.#now());
  }

  /** Give the lease up, keeping the fence; a lease no longer held is left alone. */
  async release(lease: Lease): Promise<void> {
    assertValidJobId(lease.jobId);
    return this.#locked(lease.jobId, async () => {
      const state = releaseLease(lease, (await this.#readLease(lease.jobId)) ?? NO_LEASE);
      if (state !== undefined) await this.#writeLease(lease.jobId, state);
    });
  }

  /** Record a pause or cancel request for the job's owner (in any process), replacing any earlier one. */
  async requestControl(jobId: string, request: ControlRequest): Promise<void> {
    assertValidJobId(jobId);
    assertRequest(request);
    return this.#locked(jobId, async () => {
      await this.#writeLease(jobId, { ...((await this.#readLease(jobId)) ?? NO_LEASE), request });
    });
  }

  /** Withdraw the job's pending request, if any. */
  async clearRequest(jobId: string): Promise<void> {
    assertValidJobId(jobId);
    return this.#locked(jobId, async () => {
      const current = await this.#readLease(jobId);
      if (current?.request) await this.#writeLease(jobId, { ...current, request: null });
    });
  }

  /** Nothing to release: every operation opens and closes its own files. */
  async close(): Promise<void> {}

  #file(jobId: string): string {
    return join(this.dir, jobId + SUFFIX);
  }

  #leaseFile(jobId: string): string {
    return join(this.dir, jobId + LEASE_SUFFIX);
  }

  #readLease(jobId: string): Promise<LeaseState | undefined> {
    return readLeaseFile(this.#leaseFile(jobId), jobId);
  }

  #writeLease(jobId: string, state: LeaseState): Promise<void> {
    return this.#writeAtomically(jobId, this.#leaseFile(jobId), packLeaseFile(state));
  }

  /** Run `task` after this process's earlier writes to the job, holding the job's cross-process lock. */
  #locked<T>(jobId: string, task: () => Promise<T>): Promise<T> {
    return this.#serialize(jobId, async () => {
      await mkdir(this.dir, { recursive: true });
      const onWait = this.#options.onLockWait;
      return withFileLock(join(this.dir, jobId + LOCK_SUFFIX), task, {
        timeoutMs: this.#options.lockTimeoutMs,
        onWait: onWait && (() => onWait(jobId)),
      });
    });
  }

  async #readFileOrUndefined(jobId: string): Promise<Uint8Array | undefined> {
    try {
      const buffer = await readFile(this.#file(jobId));
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** The previous record, for its `createdAt`. A damaged file is about to be replaced: it counts as none. */
  async #readRecordOrUndefined(jobId: string): Promise<JobRecord | undefined> {
    try {
      return await readJobFileRecord(this.#file(jobId), jobId);
    } catch (error) {
      if (error instanceof SnapshotCorruptError) return undefined;
      throw error;
    }
  }

  async #writeAtomically(jobId: string, target: string, data: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const temp = join(this.dir, `.${jobId}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx');
    try {
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
    await this.#syncDir();
  }

  /** Make the rename itself durable. Windows cannot open a directory for fsync; NTFS journals renames. */
  async #syncDir(): Promise<void> {
    if (process.platform === 'win32') return;
    const handle = await open(this.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Run `task` after every earlier task on the same job, so a slower earlier write never lands last. */
  #serialize<T>(jobId: string, task: () => Promise<T>): Promise<T> {
    const run = (this.#queues.get(jobId) ?? Promise.resolve()).then(task);
    const tail = run.catch(() => {});
    this.#queues.set(jobId, tail);
    void tail.then(() => {
      if (this.#queues.get(jobId) === tail) this.#queues.delete(jobId);
    });
    return run;
  }
}
