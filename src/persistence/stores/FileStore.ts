import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { assertValidJobId, isValidJobId } from '../InvalidJobIdError.js';
import { JobNotFoundError } from '../JobNotFoundError.js';
import { SnapshotCorruptError } from '../SnapshotCorruptError.js';
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
import { packJobFile, readJobFileRecord, unpackJobFile } from './jobFile.js';
import { runAtomicWith } from './runAtomicWith.js';
import { toJobRecord } from './toJobRecord.js';

const SUFFIX = '.ckpt';
/** Files read at once by `list()`: enough to overlap I/O, few enough to stay clear of EMFILE. */
const LIST_CONCURRENCY = 16;

/**
 * A store of one file per job, `<dir>/<jobId>.ckpt`, holding the job's record and latest checkpoint together.
 *
 * A save writes a temporary file in the same directory, fsyncs it, renames it over the job's file and fsyncs
 * the directory: after a crash at any instant the job's file is the old one or the new one, whole. A
 * temporary file left by a crash (`.<jobId>.*.tmp`) is never read. Job ids must match `/^[A-Za-z0-9._-]+$/`
 * and not start with `.` (they become file names). `atomicWith` runs just before the write, without a
 * transaction (`atomic: false`); fences are not checked.
 *
 * Writes to one job are serialized within this process. Two processes writing the same job (a worker saving
 * while another process calls `setStatus`) can lose one of the writes: share a job between processes through
 * `SqliteStore` instead.
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
  readonly #queues = new Map<string, Promise<void>>();

  constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Replace the job's file with `bytes` and the record for `meta`, keeping `createdAt` from the first save.
   * Runs `opts.atomicWith` just before writing, and writes nothing if it throws.
   * @throws {InvalidJobIdError} when `jobId` cannot be a file name.
   */
  async save(jobId: string, bytes: Uint8Array, meta: JobMeta, opts: SaveOptions = {}): Promise<void> {
    assertValidJobId(jobId);
    return this.#serialize(jobId, async () => {
      const previous = await this.#readRecordOrUndefined(jobId);
      const data = packJobFile(toJobRecord(jobId, meta, previous?.createdAt ?? meta.updatedAt), bytes);
      runAtomicWith(opts.atomicWith);
      await this.#writeAtomically(jobId, data);
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
    return this.#serialize(jobId, async () => {
      const data = await this.#readFileOrUndefined(jobId);
      if (data === undefined) throw new JobNotFoundError(jobId);
      const { record, bytes } = unpackJobFile(data, this.#file(jobId), jobId);
      await this.#writeAtomically(jobId, packJobFile({ ...record, status }, bytes));
    });
  }

  /** Remove the job's file; removing an unknown job does nothing. */
  async delete(jobId: string): Promise<void> {
    assertValidJobId(jobId);
    return this.#serialize(jobId, async () => {
      try {
        await unlink(this.#file(jobId));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      await this.#syncDir();
    });
  }

  /** Nothing to release: every operation opens and closes its own files. */
  async close(): Promise<void> {}

  #file(jobId: string): string {
    return join(this.dir, jobId + SUFFIX);
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

  async #writeAtomically(jobId: string, data: Uint8Array): Promise<void> {
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
      await rename(temp, this.#file(jobId));
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
  #serialize(jobId: string, task: () => Promise<void>): Promise<void> {
    const run = (this.#queues.get(jobId) ?? Promise.resolve()).then(task);
    const tail = run.catch(() => {});
    this.#queues.set(jobId, tail);
    void tail.then(() => {
      if (this.#queues.get(jobId) === tail) this.#queues.delete(jobId);
    });
    return run;
  }
}
