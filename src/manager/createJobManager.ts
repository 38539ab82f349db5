import { type Observable, Subject, type Subscription } from '../adapters/rx.js';
import { newJobId } from '../adapters/newJobId.js';
import { systemClock } from '../adapters/systemClock.js';
import type { JobEvent, JobProgress } from '../machines/JobProgress.js';
import type { JobResult, JobRun } from '../machines/JobRun.js';
import { resumeJob } from '../machines/resumeJob.js';
import { type RunOptions, runJob } from '../machines/runJob.js';
import { decodeEnvelope } from '../persistence/decodeEnvelope.js';
import { JobLockedError } from '../persistence/JobLockedError.js';
import { JobNotFoundError } from '../persistence/JobNotFoundError.js';
import type { JobRecord, JobStatus, SnapshotStore, StoredJob } from '../persistence/types.js';
import type { JobDefinition } from '../phases/defineJob.js';
import { toError } from '../phases/toError.js';
import type { Clock, Logger } from '../phases/types.js';
import { CANCELLED_BEFORE_START, cancelledBeforeStart } from './cancelledBeforeStart.js';
import { JobExistsError } from './JobExistsError.js';
import { JobManagerClosedError } from './JobManagerClosedError.js';
import { JobRegistry } from './JobRegistry.js';
import { queuedCheckpoint } from './queuedCheckpoint.js';
import type {
  DispatchOptions,
  InterruptedJob,
  JobManager,
  JobManagerOptions,
  ManagedJob,
  ManagedJobRecord,
  ManagedListFilter,
  ShutdownOptions,
} from './types.js';
import { writeStatus } from './writeStatus.js';

/**
 * Create a job manager: it runs jobs of the registered definitions in this process, at most `concurrency`
 * at a time, the rest queued first in first out. Every dispatched job is saved in the store before it runs,
 * so a restart loses none: call `resumeInterrupted()` at start-up to continue the jobs that were running or
 * queued when the last process ended.
 *
 * @throws {RangeError} when `concurrency` is not a positive integer.
 * @throws {DuplicateJobNameError} when two of `jobs` share a name.
 *
 * @example
 * ```ts
 * const manager = createJobManager({ store: new SqliteStore('jobs.db'), jobs: [indexer, thumbnails], concurrency: 2 });
 * await manager.resumeInterrupted();
 * manager.events$.subscribe((e) => console.log(e.jobId, e.type));
 * const id = await manager.dispatch(indexer, { path: '/photos' });
 * const { status } = await manager.result(id);
 * process.once('SIGTERM', () => manager.shutdown({ pause: true, requeue: true }));
 * ```
 */
export function createJobManager<D = unknown>(options: JobManagerOptions<D>): JobManager<D> {
  return new LocalJobManager(options);
}

type AnyDefinition = JobDefinition<any, any, any, any>;

/** How a queued job gets going when its turn comes. */
type Plan =
  /** Never started: run it from its input. */
  | { readonly kind: 'fresh'; readonly input: unknown }
  /** Has a checkpoint in the store (paused or interrupted): restore it with `resumeJob`. */
  | { readonly kind: 'restore' }
  /** Paused in this process: send its run RESUME. */
  | { readonly kind: 'continue' };

/**
 * Where a job held by this manager stands. Only `starting` and `running` take a slot; `cancelling` (a paused
 * job running its cleanup) does not, but `drain()` waits for it.
 */
type EntryState = 'waiting' | 'starting' | 'running' | 'paused' | 'cancelling';

interface Entry {
  readonly id: string;
  readonly definition: AnyDefinition;
  state: EntryState;
  /** Set while `waiting`. */
  plan: Plan | null;
  run: JobRun | null;
  /** What must be in the store before a waiting job may start (its queued checkpoint or status). */
  ready: Promise<void>;
  readyDone: boolean;
  /** Set when this manager marked the paused job `queued` to resume it: put back if it cannot start. */
  markedQueued: boolean;
  /** Set while a restore is in flight. */
  starting: Promise<void> | null;
  progress: JobProgress | null;
  subscriptions: Subscription[];
}

const FINAL: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

class LocalJobManager<D> implements JobManager<D> {
  readonly events$: Observable<JobEvent>;
  readonly progress$: Observable<JobProgress>;
  readonly #events = new Subject<JobEvent>();
  readonly #progress = new Subject<JobProgress>();
  readonly #registry = new JobRegistry<D>();
  readonly #store: SnapshotStore;
  readonly #concurrency: number;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #runOptions: RunOptions<D> & { readonly store: SnapshotStore };
  readonly #entries = new Map<string, Entry>();
  readonly #queue: Entry[] = [];
  readonly #waiters = new Map<string, Deferred<JobResult>>();
  /** Who waits for a job's next start (`started(id)`). */
  readonly #starts = new Map<string, Deferred<JobRun>>();
  readonly #idle: (() => void)[] = [];
  #closed = false;
  #closing: Promise<void> | null = null;
  #lastQueuedAt = Number.NEGATIVE_INFINITY;

  constructor(options: JobManagerOptions<D>) {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(
        `createJobManager: concurrency must be a positive integer (how many jobs run at once), got ${String(concurrency)}.`,
      );
    }
    this.#store = options.store;
    this.#concurrency = concurrency;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#runOptions = {
      ...options.runOptions,
      store: options.store,
      clock: this.#clock,
      ...(options.deps === undefined ? {} : { deps: options.deps }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    };
    for (const job of options.jobs ?? []) this.#registry.register(job);
    this.events$ = this.#events.asObservable();
    this.progress$ = this.#progress.asObservable();
  }

  register(definition: JobDefinition<any, any, D, any>): void {
    this.#registry.register(definition);
  }

  async dispatch(
    definitionOrName: JobDefinition<any, any, D, any> | string,
    input: unknown,
    options: DispatchOptions = {},
  ): Promise<string> {
    if (this.#closed) throw new JobManagerClosedError('it cannot dispatch a job');
    let definition: AnyDefinition;
    if (typeof definitionOrName === 'string') definition = this.#registry.get(definitionOrName);
    else {
      this.#registry.register(definitionOrName);
      definition = definitionOrName;
    }
    const id = options.jobId ?? newJobId();
    if (this.#entries.has(id)) throw new JobExistsError(id);
    // Strictly increasing, so the stored `createdAt` keeps the dispatch order across a restart.
    const now = Math.max(this.#clock.now(), this.#lastQueuedAt + 1);
    this.#lastQueuedAt = now;
    const { bytes, meta } = queuedCheckpoint(definition, id, input, now);
    const saving = (async () => {
      if (options.jobId !== undefined && (await this.#store.load(id)) !== undefined)
        throw new JobExistsError(id);
      await this.#store.save(id, bytes, meta);
    })();
    // Joined to the queue now, before any await: the queue order is the order of the calls.
    const entry = this.#entry(id, definition, { kind: 'fresh', input });
    entry.ready = saving.then(
      () => {
        entry.readyDone = true;
      },
      () => {},
    );
    this.#entries.set(id, entry);
    this.#queue.push(entry);
    try {
      await saving;
    } catch (error) {
      this.#forget(entry);
      this.#pump();
      throw error;
    }
    this.#pump();
    return id;
  }

  async list(filter: ManagedListFilter = {}): Promise<ManagedJobRecord[]> {
    const records = await this.#store.list(filter.name === undefined ? undefined : { name: filter.name });
    const merged = records.map((record) => this.#merge(record));
    if (filter.status === undefined) return merged;
    const statuses = new Set<JobStatus>(([] as JobStatus[]).concat(filter.status));
    return merged.filter((record) => statuses.has(record.status));
  }

  async get(id: string): Promise<ManagedJob | undefined> {
    await this.#entries.get(id)?.ready;
    const stored = await this.#store.load(id);
    if (stored === undefined) return undefined;
    return { record: this.#merge(stored.record), run: this.#entries.get(id)?.run ?? null };
  }

  async pause(id: string): Promise<void> {
    const entry = await this.#settledEntry(id);
    if (entry !== undefined) {
      if (entry.state === 'running') return void (await entry.run!.pause());
      if (entry.state !== 'waiting') return;
      this.#unqueue(entry);
      if (entry.plan?.kind === 'continue') {
        entry.plan = null;
        entry.state = 'paused';
      } else this.#forget(entry);
      await writeStatus(this.#store, id, 'paused');
      this.#pump();
      return;
    }
    const stored = await this.#load(id);
    if (this.#entries.has(id)) return this.pause(id);
    const status = stored.record.status;
    if (status === 'queued' || status === 'running') await writeStatus(this.#store, id, 'paused');
  }

  async resume(id: string): Promise<void> {
    if (this.#closed) throw new JobManagerClosedError(`it cannot resume job ${id}`, id);
    const entry = await this.#settledEntry(id);
    if (entry !== undefined) {
      // Running: withdraw a pause not yet honoured. Waiting or cancelling: nothing to do.
      if (entry.state === 'running') entry.run!.resume();
      if (entry.state !== 'paused') return;
      // Let the pause checkpoint land first, so it cannot overwrite the `queued` mark below.
      await entry.run!.pause();
      if (this.#entries.get(id) !== entry || entry.state !== 'paused') return;
      const startsNow = this.#queue.length === 0 && this.#busy() < this.#concurrency;
      return this.#enqueue(entry, { kind: 'continue' }, !startsNow);
    }
    const stored = await this.#load(id);
    if (this.#entries.has(id)) return this.resume(id);
    const { status, name } = stored.record;
    if (FINAL.has(status)) return;
    const definition = this.#registry.get(name, id);
    const plan = planFor(definition, stored);
    if (this.#entries.has(id)) return this.resume(id);
    const restored = this.#entry(id, definition, plan);
    this.#entries.set(id, restored);
    // A restored job says `paused` in the store until its phase checkpoints: mark it queued first, so a crash
    // before then still leaves it to `resumeInterrupted()`. Not in a shared store (one with `claim`), where
    // `queued` hands the job to any worker: this manager is the one resuming it.
    return this.#enqueue(restored, plan, status === 'paused' && this.#store.claim === undefined);
  }

  async cancel(id: string): Promise<JobResult> {
    const entry = await this.#settledEntry(id);
    if (entry !== undefined) {
      if (entry.state !== 'waiting') {
        const result = this.#waiter(id).promise;
        if (entry.state === 'paused') entry.state = 'cancelling';
        entry.run!.cancel();
        return result;
      }
      this.#unqueue(entry);
      const plan = entry.plan!;
      entry.plan = null;
      if (plan.kind === 'continue') {
        const result = this.#waiter(id).promise;
        entry.state = 'cancelling';
        entry.run!.cancel();
        return result;
      }
      this.#forget(entry);
      this.#pump();
      if (plan.kind === 'fresh') return this.#cancelUnstarted(entry.definition, id);
      // A restore plan: cancel from the store, below.
    }
    const stored = await this.#load(id);
    if (this.#entries.has(id)) return this.cancel(id);
    const { status, name } = stored.record;
    if (FINAL.has(status)) return this.#finalResult(stored);
    const definition = this.#registry.get(name, id);
    if (planFor(definition, stored).kind === 'fresh') return this.#cancelUnstarted(definition, id);
    // Paused or interrupted: restore it without resuming, then cancel, so its phase's onFailure cleans up.
    const run = await resumeJob(definition, id, { ...this.#runOptions, jobId: id, resume: false });
    const restored = this.#entry(id, definition, null);
    this.#entries.set(id, restored);
    const result = this.#waiter(id).promise;
    this.#attach(restored, run, 'cancelling');
    run.cancel();
    return result;
  }

  async result<O = unknown>(id: string): Promise<JobResult<O>> {
    if (this.#entries.has(id)) return this.#waiter(id).promise as Promise<JobResult<O>>;
    const stored = await this.#load(id);
    if (this.#entries.has(id)) return this.#waiter(id).promise as Promise<JobResult<O>>;
    if (FINAL.has(stored.record.status)) return (await this.#finalResult(stored)) as JobResult<O>;
    if (this.#closed) {
      throw new JobManagerClosedError(`job ${id} is ${stored.record.status} and will not finish here`, id);
    }
    return this.#waiter(id).promise as Promise<JobResult<O>>;
  }

  started<O = unknown>(id: string): Promise<JobRun<O>> {
    const run = this.#entries.get(id)?.run;
    if (run != null) return Promise.resolve(run as JobRun<O>);
    if (this.#closed) return Promise.reject(new JobManagerClosedError(`job ${id} will not start here`, id));
    let start = this.#starts.get(id);
    if (start === undefined) {
      start = deferred<JobRun>();
      this.#starts.set(id, start);
    }
    return start.promise as Promise<JobRun<O>>;
  }

  async resumeInterrupted(): Promise<InterruptedJob[]> {
    if (this.#closed) throw new JobManagerClosedError('it cannot resume interrupted jobs');
    const records = await this.#store.list({ status: ['running', 'queued'] });
    // Running first (they had started), then queued; each oldest first.
    records.sort(
      (a, b) =>
        rank(a.status) - rank(b.status) ||
        a.createdAt - b.createdAt ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    const outcomes: InterruptedJob[] = [];
    const admitted: Entry[] = [];
    for (const record of records) {
      if (this.#entries.has(record.id)) continue;
      const was = record.status as InterruptedJob['was'];
      try {
        const definition = this.#registry.get(record.name, record.id);
        const stored = await this.#store.load(record.id);
        if (stored === undefined || this.#entries.has(record.id)) continue;
        const entry = this.#entry(record.id, definition, planFor(definition, stored));
        entry.readyDone = true;
        this.#entries.set(record.id, entry);
        admitted.push(entry);
        outcomes.push({ id: record.id, name: record.name, was, error: null });
      } catch (caught) {
        const error = toError(caught);
        const message = `phasekit: job ${record.id} ("${record.name}") was not resumed: ${error.message}`;
        this.#logger?.log('error', message, { jobId: record.id });
        outcomes.push({ id: record.id, name: record.name, was, error });
      }
    }
    // Skip any taken out of the queue (paused, cancelled) while the others were being read.
    this.#queue.unshift(
      ...admitted.filter((entry) => this.#entries.get(entry.id) === entry && entry.plan !== null),
    );
    this.#pump();
    return outcomes;
  }

  drain(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  shutdown(options: ShutdownOptions = {}): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#shutdown(options.pause ?? true, options.requeue ?? false);
    return this.#closing;
  }

  async #shutdown(pause: boolean, requeue: boolean): Promise<void> {
    // Queued jobs stay queued in the store, for the next process.
    for (const entry of this.#queue.splice(0)) {
      if (entry.plan?.kind === 'continue') {
        entry.plan = null;
        entry.state = 'paused';
      } else this.#forget(entry);
    }
    await Promise.all([...this.#entries.values()].map((entry) => entry.starting));
    if (pause) {
      const running = [...this.#entries.values()].filter((entry) => entry.state === 'running');
      await Promise.all(running.map((entry) => entry.run!.pause()));
      if (requeue) {
        const paused = running.filter((entry) => entry.run!.position.step === 'paused');
        await Promise.all(paused.map((entry) => writeStatus(this.#store, entry.id, 'queued')));
      }
    }
    // Until nothing runs: without `pause` the running jobs end (or pause themselves); cancellations finish.
    await this.drain();
    // What is left is paused, with its checkpoint in the store: release the actors.
    const paused = [...this.#entries.values()].filter((entry) => entry.run !== null);
    for (const entry of paused) entry.run!.stop();
    await Promise.all(paused.map((entry) => entry.run!.result.catch(() => {})));
    for (const [id, waiter] of this.#waiters) {
      waiter.reject(new JobManagerClosedError(`job ${id} did not finish before the shutdown`, id));
    }
    this.#waiters.clear();
    for (const [id, start] of this.#starts) {
      start.reject(new JobManagerClosedError(`job ${id} did not start before the shutdown`, id));
    }
    this.#starts.clear();
    this.#events.complete();
    this.#progress.complete();
    this.#checkIdle();
  }

  #entry(id: string, definition: AnyDefinition, plan: Plan | null): Entry {
    return {
      id,
      definition,
      state: plan === null ? 'running' : 'waiting',
      plan,
      run: null,
      ready: Promise.resolve(),
      readyDone: false,
      markedQueued: false,
      starting: null,
      progress: null,
      subscriptions: [],
    };
  }

  /** Queue `entry`; with `markQueued`, its store status becomes `queued` before it may start. */
  async #enqueue(entry: Entry, plan: Plan, markQueued: boolean): Promise<void> {
    entry.state = 'waiting';
    entry.plan = plan;
    entry.readyDone = !markQueued;
    entry.markedQueued = markQueued;
    const marking = markQueued ? writeStatus(this.#store, entry.id, 'queued') : Promise.resolve();
    entry.ready = marking.then(
      () => {
        entry.readyDone = true;
      },
      () => {},
    );
    this.#queue.push(entry);
    try {
      await marking;
    } catch (error) {
      this.#unqueue(entry);
      if (entry.run === null) this.#forget(entry);
      else entry.state = 'paused';
      this.#pump();
      throw error;
    }
    this.#pump();
  }

  /** Start queued jobs while slots are free, in order; a head still being saved holds the line. */
  #pump(): void {
    while (!this.#closed && this.#queue.length > 0 && this.#busy() < this.#concurrency) {
      const head = this.#queue[0];
      if (!head.readyDone) break;
      this.#queue.shift();
      this.#start(head);
    }
    this.#checkIdle();
  }

  #start(entry: Entry): void {
    const plan = entry.plan!;
    entry.plan = null;
    if (plan.kind === 'continue') {
      entry.state = 'running';
      entry.run!.resume();
      return;
    }
    entry.state = 'starting';
    entry.starting = this.#open(entry, plan)
      .catch((error) => this.#startFailed(entry, error))
      .finally(() => {
        entry.starting = null;
        this.#pump();
      });
  }

  /** Make the job's run: from its input, or restored from its checkpoint. */
  async #open(entry: Entry, plan: Plan): Promise<void> {
    const options = { ...this.#runOptions, jobId: entry.id };
    if (plan.kind === 'fresh') {
      // runJob starts the actor in a microtask: subscribed now, every event of the run is seen.
      this.#attach(entry, runJob(entry.definition, plan.input, options), 'running');
      return;
    }
    const stored = await this.#load(entry.id);
    const current = planFor(entry.definition, stored);
    if (current.kind === 'fresh') return this.#open(entry, current);
    // Restored without RESUME, so the resume's own events are seen here.
    const run = await resumeJob(entry.definition, entry.id, { ...options, resume: false });
    // events$ hands the events of the restore (resumed, ...) to its first subscriber: #attach.
    const snapshot = run.actor.getSnapshot() as { status: string };
    this.#attach(entry, run, 'running');
    if (snapshot.status === 'active' && run.position.step === 'paused') run.resume();
  }

  async #startFailed(entry: Entry, caught: unknown): Promise<void> {
    const error = toError(caught);
    this.#logger?.log(
      'error',
      `phasekit: job ${entry.id} ("${entry.definition.name}") could not start: ${error.message}`,
      {
        jobId: entry.id,
      },
    );
    for (const subscription of entry.subscriptions.splice(0)) subscription.unsubscribe();
    this.#forget(entry);
    // A paused job this manager marked queued and could not restore (its phase list changed, say) is paused
    // again, as it was; one that another process took meanwhile (JobLockedError) is that process's.
    if (entry.markedQueued && !(error instanceof JobLockedError)) {
      try {
        if ((await this.#store.load(entry.id))?.record.status === 'queued')
          await writeStatus(this.#store, entry.id, 'paused');
      } catch {
        // The start error is the one to report.
      }
    }
    this.#reject(entry.id, error);
    this.#starts.get(entry.id)?.reject(error);
    this.#starts.delete(entry.id);
  }

  #attach(entry: Entry, run: JobRun, state: 'running' | 'cancelling'): void {
    entry.run = run;
    entry.state = state;
    this.#starts.get(entry.id)?.resolve(run);
    this.#starts.delete(entry.id);
    entry.subscriptions.push(
      run.events$.subscribe((event) => {
        this.#onEvent(entry, event);
        this.#events.next(event);
      }),
      run.progress$.subscribe((progress) => {
        entry.progress = progress;
        this.#progress.next(progress);
      }),
    );
    run.result.then(
      (result) => this.#finished(entry, run, result),
      (error) => this.#crashed(entry, run, error),
    );
  }

  /** Keep slots true to the run: a pause frees one; a resume made on the run directly takes one back. */
  #onEvent(entry: Entry, event: JobEvent): void {
    if (event.type === 'paused' && entry.state === 'running') {
      entry.state = 'paused';
      queueMicrotask(() => this.#pump());
    } else if ((event.type === 'resumed' || event.type === 'phaseStarted') && entry.state === 'paused') {
      entry.state = 'running';
    }
  }

  #finished(entry: Entry, run: JobRun, result: JobResult | undefined): void {
    if (entry.run !== run) return;
    for (const subscription of entry.subscriptions.splice(0)) subscription.unsubscribe();
    this.#forget(entry);
    // `undefined`: the run was stopped before a final state; the store keeps its last checkpoint.
    if (result !== undefined) this.#settle(entry.id, result);
    this.#pump();
  }

  #crashed(entry: Entry, run: JobRun, caught: unknown): void {
    if (entry.run !== run) return;
    const error = toError(caught);
    this.#logger?.log(
      'error',
      `phasekit: job ${entry.id} ("${entry.definition.name}") stopped: ${error.message}`,
      {
        jobId: entry.id,
      },
    );
    for (const subscription of entry.subscriptions.splice(0)) subscription.unsubscribe();
    this.#forget(entry);
    this.#reject(entry.id, error);
    this.#pump();
  }

  /** Cancel a job no phase of which ever ran: only its record changes. */
  async #cancelUnstarted(definition: AnyDefinition, id: string): Promise<JobResult> {
    const at = this.#clock.now();
    await writeStatus(this.#store, id, 'cancelled', { error: CANCELLED_BEFORE_START, updatedAt: at });
    const result = cancelledBeforeStart(definition, at);
    this.#events.next({ type: 'cancelled', jobId: id, at, phase: null, error: CANCELLED_BEFORE_START });
    this.#settle(id, result);
    return result;
  }

  /** The result of a job the store says is finished. */
  async #finalResult(stored: StoredJob): Promise<JobResult> {
    const definition = this.#registry.get(stored.record.name, stored.id);
    if (planFor(definition, stored).kind === 'fresh')
      return cancelledBeforeStart(definition, stored.record.updatedAt);
    // A finished job restored runs nothing and gives its result back.
    const run = await resumeJob(definition, stored.id, {
      ...this.#runOptions,
      jobId: stored.id,
      resume: false,
    });
    return run.result;
  }

  #merge(record: JobRecord): ManagedJobRecord {
    const entry = this.#entries.get(record.id);
    if (entry === undefined) return { ...record, live: false, progress: null };
    const progress = entry.run === null ? null : entry.progress;
    return {
      ...record,
      status: liveStatus(entry),
      ...(progress === null
        ? {}
        : { phase: progress.phase, percent: progress.overallPercent, errorsCount: progress.errorsCount }),
      live: true,
      progress,
    };
  }

  /** The entry of `id` once its queued save or its start has settled, if this manager still holds it. */
  async #settledEntry(id: string): Promise<Entry | undefined> {
    let entry = this.#entries.get(id);
    while (
      entry !== undefined &&
      (entry.starting !== null || (entry.state === 'waiting' && !entry.readyDone))
    ) {
      await (entry.starting ?? entry.ready);
      entry = this.#entries.get(id);
    }
    return entry;
  }

  async #load(id: string): Promise<StoredJob> {
    const stored = await this.#store.load(id);
    if (stored === undefined) throw new JobNotFoundError(id);
    return stored;
  }

  #busy(): number {
    let busy = 0;
    for (const entry of this.#entries.values())
      if (entry.state === 'starting' || entry.state === 'running') busy++;
    return busy;
  }

  #isIdle(): boolean {
    if (this.#queue.length > 0) return false;
    for (const entry of this.#entries.values()) {
      if (entry.state === 'starting' || entry.state === 'running' || entry.state === 'cancelling')
        return false;
    }
    return true;
  }

  #checkIdle(): void {
    if (this.#idle.length > 0 && this.#isIdle()) for (const resolve of this.#idle.splice(0)) resolve();
  }

  #unqueue(entry: Entry): void {
    const index = this.#queue.indexOf(entry);
    if (index >= 0) this.#queue.splice(index, 1);
  }

  #forget(entry: Entry): void {
    this.#unqueue(entry);
    if (this.#entries.get(entry.id) === entry) this.#entries.delete(entry.id);
  }

  #waiter(id: string): Deferred<JobResult> {
    let waiter = this.#waiters.get(id);
    if (waiter === undefined) {
      waiter = deferred<JobResult>();
      this.#waiters.set(id, waiter);
    }
    return waiter;
  }

  #settle(id: string, result: JobResult): void {
    this.#waiters.get(id)?.resolve(result);
    this.#waiters.delete(id);
  }

  #reject(id: string, error: Error): void {
    this.#waiters.get(id)?.reject(error);
    this.#waiters.delete(id);
  }
}

/** How to start a stored job: from its input when it never started, else from its checkpoint. */
function planFor(definition: AnyDefinition, stored: StoredJob): Plan {
  const envelope = decodeEnvelope(stored.bytes, {
    name: definition.name,
    version: definition.version,
    migrations: definition.migrations,
    jobId: stored.id,
  });
  return envelope.machine === null || envelope.machine === undefined
    ? { kind: 'fresh', input: envelope.input }
    : { kind: 'restore' };
}

function liveStatus(entry: Entry): JobStatus {
  const reported = entry.progress?.status;
  if (reported === 'completed' || reported === 'failed' || reported === 'cancelled') return reported;
  if (entry.state === 'waiting') return 'queued';
  return entry.state === 'paused' ? 'paused' : 'running';
}

function rank(status: JobStatus): number {
  return status === 'running' ? 0 : 1;
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Whoever asked holds `promise`; a rejection nobody waits for any more must not crash the process.
  promise.catch(() => {});
  return { promise, resolve, reject };
}
