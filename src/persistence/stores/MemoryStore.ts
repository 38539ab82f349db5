import { Decoder, Encoder } from '@msgpack/msgpack';
import { JobNotFoundError } from '../JobNotFoundError.js';
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
import {
  acquireLease,
  assertHeld,
  assertRequest,
  type LeaseState,
  NO_LEASE,
  releaseLease,
  liveHolder,
  renewLease,
} from './leaseRules.js';
import { runAtomicWith } from './runAtomicWith.js';
import { toJobRecord } from './toJobRecord.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** The store's clock for lease times, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * A store in process memory: for tests and for jobs that need not survive the process.
 *
 * It behaves like the persistent stores where it matters to callers: stored bytes are copied in and out, so
 * no caller can change a stored checkpoint through a reference it holds, and the record's `input` is put
 * through MessagePack, so an input a real store could not keep fails here too. It holds no transaction:
 * `atomicWith` runs just before the write (`atomic: false`).
 *
 * Leases follow the same rules as the persistent stores, within this process: one live holder per job, a
 * fence that only grows (kept by `release`), a fenced `save` refused with `LeaseLostError` unless it carries
 * the fence of the lease currently held (and then `atomicWith` does not run).
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
  /** Per job: its checkpoint (the first `length` bytes of `buffer`, which only this store sees) and its record. */
  readonly #jobs = new Map<string, { length: number; buffer: Uint8Array; record: JobRecord }>();
  readonly #leases = new Map<string, LeaseState>();
  readonly #now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * Replace the job's checkpoint and record; runs `opts.atomicWith` first; nothing saved if it throws.
   * @throws {LeaseLostError} when `opts.fence` is given and is not the fence of the job's held lease.
   */
  async save(jobId: string, bytes: Uint8Array, meta: JobMeta, opts: SaveOptions = {}): Promise<void> {
    if (opts.fence !== undefined) assertHeld(jobId, opts.fence, this.#leases.get(jobId));
    const held = this.#jobs.get(jobId);
    // A new record, its input copied (toJobRecord builds it: no second copy of it here).
    const record = toJobRecord(jobId, meta, held?.record.createdAt ?? meta.updatedAt, cloneInput);
    runAtomicWith(opts.atomicWith);
    // The job's own buffer is written over (loads hand out copies): no new allocation per checkpoint, which
    // cost as much as the rest of the save; nor a new entry or view of it.
    const n = bytes.byteLength;
    let buffer = held?.buffer;
    if (buffer === undefined || buffer.byteLength < n || buffer.byteLength > 4 * n + 65_536) {
      buffer = new Uint8Array(n + (n >>> 2) + 64);
    }
    buffer.set(bytes);
    if (held !== undefined) {
      held.buffer = buffer;
      held.length = n;
      held.record = record;
    } else this.#jobs.set(jobId, { length: n, buffer, record });
  }

  /** The job's checkpoint (a copy) and record, or `undefined`. */
  async load(jobId: string): Promise<StoredJob | undefined> {
    const job = this.#jobs.get(jobId);
    return job && { id: jobId, bytes: job.buffer.slice(0, job.length), record: cloneRecord(job.record) };
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

  /** Take the job's lease (see {@link SnapshotStore.acquire}); a live holder, this process included, refuses. */
  async acquire(jobId: string, owner: LeaseOwner, opts: AcquireOptions): Promise<Lease> {
    const { lease, state } = acquireLease(jobId, this.#lease(jobId), owner, opts, this.#now());
    this.#leases.set(jobId, state);
    return lease;
  }

  /** Extend the lease and report a pending request; throws `LeaseLostError` when it is no longer held. */
  async renew(lease: Lease, opts: AcquireOptions): Promise<LeaseRenewal> {
    const { renewal, state } = renewLease(lease, this.#lease(lease.jobId), opts, this.#now());
    this.#leases.set(lease.jobId, state);
    return renewal;
  }

  /** The job's live holder, read only (see {@link SnapshotStore.holder}). */
  async holder(jobId: string): Promise<Lease | undefined> {
    return liveHolder(jobId, this.#leases.get(jobId), this.#now());
  }

  /** Give the lease up, keeping the fence; a lease no longer held is left alone. */
  async release(lease: Lease): Promise<void> {
    const state = releaseLease(lease, this.#lease(lease.jobId));
    if (state !== undefined) this.#leases.set(lease.jobId, state);
  }

  /** Record a pause or cancel request for the job's owner, replacing any earlier one. */
  async requestControl(jobId: string, request: ControlRequest): Promise<void> {
    assertRequest(request);
    this.#leases.set(jobId, { ...this.#lease(jobId), request });
  }

  /** Withdraw the job's pending request, if any. */
  async clearRequest(jobId: string): Promise<void> {
    const state = this.#leases.get(jobId);
    if (state !== undefined) this.#leases.set(jobId, { ...state, request: null });
  }

  /** Nothing to release; the jobs stay readable. */
  async close(): Promise<void> {}

  #lease(jobId: string): LeaseState {
    return this.#leases.get(jobId) ?? NO_LEASE;
  }
}

/** One encoder and decoder for every record: `encode()` and `decode()` build new ones per call (~5 µs). */
const inputEncoder = new Encoder({ ignoreUndefined: true });
const inputDecoder = new Decoder();

function cloneRecord(record: JobRecord): JobRecord {
  return record.input === undefined ? { ...record } : { ...record, input: cloneInput(record.input) };
}

/**
 * The input as a MessagePack round trip gives it back (what a store that keeps bytes returns): plain data is
 * copied directly, to the same result (about 5 µs less per save, a save per checkpoint); anything else (a
 * Date, a Map, a typed array, a BigInt, a string that is not well-formed UTF-16, `undefined` in an array,
 * nesting past {@link PLAIN_DEPTH}) goes through the codec, whose errors stay the same.
 */
function cloneInput(input: unknown): unknown {
  const copy = copyPlain(input, 0);
  // `encode` (a copy), not `encodeSharedRef`: decoded binary values are views into the bytes decoded.
  return copy !== NOT_PLAIN ? copy : inputDecoder.decode(inputEncoder.encode(input));
}

const NOT_PLAIN: unique symbol = Symbol('not plain');
/** A surrogate not in a pair: UTF-8 cannot hold it, the codec writes U+FFFD instead. */
const LONE_SURROGATE = /\p{Surrogate}/u;
/** How deep {@link copyPlain} goes before it leaves the value to the codec (whose own bound is 100). */
const PLAIN_DEPTH = 32;

function copyPlain(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'number':
      return Object.is(value, -0) ? 0 : value; // the codec writes -0 as the integer 0
    case 'string':
      return LONE_SURROGATE.test(value) ? NOT_PLAIN : value;
    case 'object': {
      if (value === null) return null;
      if (depth >= PLAIN_DEPTH) return NOT_PLAIN;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_PLAIN;
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          const copy = item === undefined ? NOT_PLAIN : copyPlain(item, depth + 1);
          if (copy === NOT_PLAIN) return NOT_PLAIN;
          out[i] = copy;
        }
        return out;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype || Object.hasOwn(value, '__proto__')) {
        return NOT_PLAIN;
      }
      const record = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key in record) {
        if (!Object.hasOwn(record, key)) continue;
        const item = record[key];
        if (item === undefined) continue; // as `ignoreUndefined` leaves it out
        const copy = copyPlain(item, depth + 1);
        if (copy === NOT_PLAIN) return NOT_PLAIN;
        out[key] = copy;
      }
      return out;
    }
    default:
      return NOT_PLAIN;
  }
}
