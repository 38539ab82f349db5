import { snapshotPosition } from '../machines/snapshotPosition.js';
import { unpackEnvelope } from '../persistence/unpackEnvelope.js';
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
} from '../persistence/types.js';
import { type CrashMoment, type CrashPoint, type CrashWrite, pointsOfWrite } from './CrashPoint.js';

/** Options of {@link CrashingStore}. */
export interface CrashingStoreOptions {
  /** Crash at this write and moment; without it the store only counts (to enumerate the points). */
  readonly crashAt?: { readonly write: number; readonly moment: CrashMoment };
  /**
   * Make the data refuse every write from now on (e.g. `db.pragma('query_only = ON')` on the SQLite
   * connection the store and the app write through): called at the crash, so what the store or the app would
   * write after that instant never lands. Without it, a crash after the caller's writes rolls the save back.
   */
  readonly freeze?: () => void;
}

/** Thrown inside a store's transaction to roll it back at a crash point: never seen by the job. */
class CrashSignal extends Error {
  override readonly name = 'CrashSignal';
}

/** A promise that never settles: the crashed job waits on it forever, like a dead process. */
const never = <T>(): Promise<T> => new Promise<T>(() => {});

/**
 * A `SnapshotStore` around another that numbers every write and can crash at one of them: the process
 * "dies" there — nothing of the job runs past that instant, since its write never returns, and with
 * `freeze` nothing more reaches the data. Leases, loads and listings go to the store inside.
 *
 * @example
 * const counting = new CrashingStore(store);
 * await runJob(job, input, { store: counting, minCheckpointIntervalMs: 0 }).result;
 * counting.points(); // every crash point of that run
 */
export class CrashingStore implements SnapshotStore {
  readonly atomic: boolean;
  /** Every write passed on (or crashed in), in order. */
  readonly writes: CrashWrite[] = [];
  /** Resolves with the point once the crash happened. */
  readonly crashed: Promise<CrashPoint>;
  /** The last lease taken through this store: a crash leaves it held, the restarted process takes it over. */
  lease: Lease | undefined;
  #dead = false;
  #onCrash!: (point: CrashPoint) => void;

  constructor(
    readonly inner: SnapshotStore,
    private readonly options: CrashingStoreOptions = {},
  ) {
    this.atomic = inner.atomic;
    this.crashed = new Promise((resolve) => {
      this.#onCrash = resolve;
    });
    if (inner.setStatus) this.setStatus = (id, status) => this.#write(() => inner.setStatus!(id, status));
    if (inner.delete) this.delete = (id) => this.#write(() => inner.delete!(id));
    if (inner.acquire) {
      this.acquire = async (jobId, owner, opts) => {
        if (this.#dead) return never();
        const lease = await inner.acquire!(jobId, owner, opts);
        this.lease = lease;
        return lease;
      };
    }
    if (inner.renew) {
      this.renew = async (lease, opts) => {
        if (this.#dead) return never();
        const renewal = await inner.renew!(lease, opts);
        this.lease = renewal.lease;
        return renewal;
      };
    }
    if (inner.release) this.release = (lease) => this.#write(() => inner.release!(lease));
    if (inner.requestControl) {
      this.requestControl = (id, request) => this.#write(() => inner.requestControl!(id, request));
    }
    if (inner.clearRequest) this.clearRequest = (id) => this.#write(() => inner.clearRequest!(id));
    if (inner.claim) this.claim = (owner, opts) => this.#write(() => inner.claim!(owner, opts));
  }

  setStatus?: (jobId: string, status: JobStatus) => Promise<void>;
  delete?: (jobId: string) => Promise<void>;
  acquire?: (jobId: string, owner: LeaseOwner, opts: AcquireOptions) => Promise<Lease>;
  renew?: (lease: Lease, opts: AcquireOptions) => Promise<LeaseRenewal>;
  release?: (lease: Lease) => Promise<void>;
  requestControl?: (jobId: string, request: ControlRequest) => Promise<void>;
  clearRequest?: (jobId: string) => Promise<void>;
  claim?: (
    owner: LeaseOwner,
    opts: AcquireOptions & { readonly names?: readonly string[] },
  ) => Promise<Lease | undefined>;

  /** True once the crash happened: every write from then on waits forever. */
  get dead(): boolean {
    return this.#dead;
  }

  /** The crash points of the writes seen so far. */
  points(): CrashPoint[] {
    return this.writes.flatMap(pointsOfWrite);
  }

  async save(jobId: string, bytes: Uint8Array, meta: JobMeta, opts: SaveOptions = {}): Promise<void> {
    if (this.#dead) return never();
    const write = this.#classify(bytes, opts.atomicWith !== undefined, meta);
    this.writes.push(write);
    const at = this.options.crashAt;
    if (at === undefined || at.write !== write.write) return this.inner.save(jobId, bytes, meta, opts);
    const point = pointsOfWrite(write).find((p) => p.moment === at.moment);
    if (point === undefined) {
      // A moment this write does not have (no atomicWith): the nearest one, the write never starting.
      return this.#die(pointsOfWrite(write)[0]);
    }
    switch (at.moment) {
      case 'before-write':
        return this.#die(point);
      case 'before-caller-writes':
      case 'after-caller-writes': {
        const callerWrites = opts.atomicWith!;
        const finish = () => {
          this.#crash(point);
          // With freeze the store goes on and its writes are refused, as they would be after a real crash;
          // without, roll its transaction back.
          if (at.moment === 'before-caller-writes' || this.options.freeze === undefined) {
            throw new CrashSignal(point.label);
          }
        };
        // Synchronous for a synchronous store (SQLite refuses a promise); awaited for an async one (PostgreSQL).
        const atomicWith = (tx: unknown): unknown => {
          if (at.moment === 'after-caller-writes') {
            const written = callerWrites(tx);
            if (typeof (written as PromiseLike<unknown> | undefined)?.then === 'function')
              return (written as Promise<unknown>).then(finish);
          }
          return finish();
        };
        try {
          await this.inner.save(jobId, bytes, meta, { ...opts, atomicWith });
        } catch {
          // The write failed at the crash, as a dead process's would: nothing to report to the job.
        }
        return never();
      }
      case 'after-write':
        await this.inner.save(jobId, bytes, meta, opts);
        return this.#die(point);
    }
  }

  load(jobId: string): Promise<StoredJob | undefined> {
    return this.inner.load(jobId);
  }

  list(filter?: ListFilter): Promise<JobRecord[]> {
    return this.inner.list(filter);
  }

  /** Close the store inside. */
  async close(): Promise<void> {
    await this.inner.close?.();
  }

  #write<T>(fn: () => Promise<T>): Promise<T> {
    return this.#dead ? never() : fn();
  }

  #crash(point: CrashPoint): void {
    if (this.#dead) return;
    this.#dead = true;
    this.options.freeze?.();
    this.#onCrash(point);
  }

  #die(point: CrashPoint): Promise<never> {
    this.#crash(point);
    return never();
  }

  #classify(bytes: Uint8Array, atomic: boolean, meta: JobMeta): CrashWrite {
    const number = this.writes.length + 1;
    let phase = meta.phase;
    let step: string = meta.status;
    let source: CrashWrite['source'] = atomic ? 'checkpoint' : 'boundary';
    try {
      const envelope = unpackEnvelope(bytes);
      const position = snapshotPosition((envelope.machine as { value?: unknown } | null)?.value);
      phase = position.phase ?? meta.phase;
      step = position.phase === null ? meta.status : position.step;
      if (!atomic && position.step === 'running' && position.phase !== null) {
        // The runtime writes once as a phase (attempt) starts; a later write in the same attempt is the phase's.
        const entry = envelope.history.find((h) => h.phase === position.phase);
        const previous = this.#lastRunning.get(position.phase);
        source = previous === entry?.attempts ? 'checkpoint' : 'boundary';
        this.#lastRunning.set(position.phase, entry?.attempts ?? 0);
      }
    } catch {
      // Not an envelope phasekit wrote (a test's own bytes): count it as it is.
    }
    return { write: number, source, phase, step, atomic };
  }

  readonly #lastRunning = new Map<string, number>();
}
