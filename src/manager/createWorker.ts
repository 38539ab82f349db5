import { Subject } from '../adapters/rx.js';
import { defaultOwner } from '../adapters/defaultOwner.js';
import type { JobRun } from '../machines/JobRun.js';
import { resumeJob } from '../machines/resumeJob.js';
import { JobEndedError } from '../machines/JobEndedError.js';
import type { JobMeta, JobRecord, Lease, LeaseOwner } from '../persistence/types.js';
import type { JobDefinition } from '../phases/defineJob.js';
import { toError } from '../phases/toError.js';
import { UnsharedStoreError } from './UnsharedStoreError.js';
import type { NotifyingStore, Worker, WorkerEvent, WorkerOptions } from './workerTypes.js';

/** Errors of `resumeJob` that mean the stored checkpoint cannot be run by this code. */
const UNREADABLE = new Set([
  'JobVersionError',
  'SnapshotCorruptError',
  'JobMismatchError',
  'JobChangedError',
]);

function failedMeta(record: JobRecord, error: string): JobMeta {
  return {
    name: record.name,
    version: record.version,
    status: 'failed',
    phase: record.phase,
    percent: record.percent,
    errorsCount: record.errorsCount,
    error,
    ...(record.input === undefined ? {} : { input: record.input }),
    updatedAt: record.updatedAt,
  };
}

interface Slot {
  readonly lease: Lease;
  run: JobRun | undefined;
  /** Set when the worker itself paused the job (stopping): it then goes back to the queue. */
  requeue: boolean;
}

/**
 * Run jobs from a shared store (PostgreSQL): claim runnable jobs — queued, or left by a worker that died,
 * stalled or lost its connection past its lease — up to `concurrency` at a time, and run each with
 * `resumeJob` under the claimed lease. The runtime renews the lease every third of `leaseMs`, writes every
 * checkpoint under its fencing token, turns pause and cancel requests made through the store (from any
 * process) into PAUSE and CANCEL, and stops a job at once when its lease was lost. Idle workers wake on the
 * store's notifications, and poll every `pollMs` besides.
 *
 * @example
 * const store = await PostgresStore.open(process.env.DATABASE_URL!);
 * const worker = createWorker({ store, jobs: [thumbnailsJob], concurrency: 4, deps: { library } });
 * process.once('SIGTERM', () => worker.stop().then(() => store.close()));
 * @throws {UnsharedStoreError} when the store has no `claim`.
 */
export function createWorker<D>(options: WorkerOptions<D>): Worker {
  const { store } = options;
  if (typeof store.claim !== 'function') throw new UnsharedStoreError(store.constructor.name);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 1000;
  const base = defaultOwner();
  const owner: LeaseOwner = { ...base, workerId: options.workerId ?? base.workerId };
  const byName = new Map<string, JobDefinition<any, any, D, any>>(options.jobs.map((j) => [j.name, j]));
  const names = [...byName.keys()];
  const events$ = new Subject<WorkerEvent>();
  const slots = new Map<string, Slot>();
  let stopping = false;
  /** Set once stop()'s grace period ran out: runs still going are stopped where they are. */
  let forced = false;
  let idle: Promise<void> | undefined;
  const emit = (event: WorkerEvent) => events$.next(event);
  const waiters = new Set<() => void>();
  /** Wake everything waiting: the claim loop (work may be there) and stop() (a slot freed). */
  const poke = () => {
    for (const resolve of [...waiters]) resolve();
    waiters.clear();
  };
  /** Resolves at the next poke, or after `ms`. */
  const nextPoke = (ms?: number) =>
    new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      function done() {
        if (timer !== undefined) clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });

  let unsubscribe: (() => void) | undefined;
  const notifying = store as unknown as Partial<NotifyingStore>;
  if (typeof notifying.subscribe === 'function') {
    notifying
      .subscribe((event) => {
        if (event.type === 'runnable') poke();
        else honour(event.jobId, event.request);
      })
      .then(
        (off) => {
          if (stopping) off();
          else unsubscribe = off;
        },
        (error: unknown) => emit({ type: 'error', error: toError(error) }),
      );
  }

  /** A request announced by NOTIFY reaches the run at once; the heartbeat would see it within leaseMs/3. */
  function honour(jobId: string, request: 'pause' | 'cancel'): void {
    const run = slots.get(jobId)?.run;
    if (run === undefined) return;
    const done = request === 'pause' ? run.pause() : run.cancel();
    Promise.resolve(done).catch(() => {});
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      if (slots.size >= concurrency) {
        await nextPoke();
        continue;
      }
      let lease: Lease | undefined;
      try {
        lease = await store.claim!(owner, { leaseMs, names });
      } catch (error) {
        emit({ type: 'error', error: toError(error) });
      }
      if (stopping) {
        if (lease) await store.release?.(lease).catch(() => {});
        break;
      }
      if (lease) {
        start(lease);
        continue;
      }
      await nextPoke(pollMs);
    }
  }

  function start(lease: Lease): void {
    const slot: Slot = { lease, run: undefined, requeue: false };
    slots.set(lease.jobId, slot);
    run(slot)
      .catch((error: unknown) => emit({ type: 'error', jobId: lease.jobId, error: toError(error) }))
      .finally(async () => {
        // The runtime gives the lease up at rest; this covers a run that never started. Stale: a no-op.
        await store.release?.(lease).catch(() => {});
        slots.delete(lease.jobId);
        poke();
      });
  }

  async function run(slot: Slot): Promise<void> {
    const { lease } = slot;
    const stored = await store.load(lease.jobId);
    const definition = stored ? byName.get(stored.record.name) : undefined;
    if (!stored || !definition) return; // deleted, or renamed meanwhile: nothing to run
    emit({ type: 'claimed', jobId: lease.jobId, name: definition.name, fence: lease.fence });
    let run: JobRun;
    try {
      run = await resumeJob(definition, lease.jobId, {
        ...options.runOptions,
        store,
        ...(options.depsFor !== undefined
          ? { deps: options.depsFor(definition) }
          : options.deps !== undefined
            ? { deps: options.deps }
            : {}),
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
        // The lead's lease options (see RunOptions): the run keeps this lease and renews it.
        ...({ lease, owner, leaseMs } as object),
      });
    } catch (error) {
      if (error instanceof JobEndedError) return;
      const reason = toError(error);
      emit({ type: 'error', jobId: lease.jobId, error: reason });
      // A checkpoint this code cannot read (another job version, corrupt bytes) would be claimed again and
      // again: fail the job, saying why, under the lease (a stale lease writes nothing). Anything else (a
      // lost lease, a lost connection) leaves the job to the next claim.
      if (UNREADABLE.has(reason.name)) {
        await store
          .save(lease.jobId, stored.bytes, failedMeta(stored.record, reason.message), { fence: lease.fence })
          .catch(() => {});
      }
      return;
    }
    slot.run = run;
    // Started while the worker was stopping: pause it at once (or stop it, once the grace period is over).
    if (forced) Promise.resolve(run.stop()).catch(() => {});
    else if (stopping) Promise.resolve(run.pause()).catch(() => {});
    const paused = new Promise<void>((resolve) => {
      run.events$.subscribe({ next: (e) => e.type === 'paused' && resolve(), complete: () => {} });
    });
    const outcome = await Promise.race([run.result.then((r) => r), paused.then(() => 'paused' as const)]);
    if (outcome === 'paused') {
      await run.pause(); // already paused: resolves once the pause checkpoint is written
      if (slot.requeue) await store.setStatus?.(lease.jobId, 'queued');
      emit({ type: 'paused', jobId: lease.jobId, fence: lease.fence, requeued: slot.requeue });
      // Dispose of the paused actor: its checkpoint is written and its lease given up.
      run.stop();
      return;
    }
    const status = outcome.status as string;
    const reason = (outcome as { reason?: string }).reason;
    if (status === 'interrupted') {
      emit({
        type: reason === 'lease-lost' ? 'lease-lost' : 'stopped',
        jobId: lease.jobId,
        fence: lease.fence,
      });
    } else {
      emit({ type: status as 'completed' | 'failed' | 'cancelled', jobId: lease.jobId, fence: lease.fence });
    }
  }

  const looping = loop().catch((error: unknown) => emit({ type: 'error', error: toError(error) }));

  return {
    workerId: owner.workerId,
    events$: events$.asObservable(),
    running: () => [...slots.keys()],
    stop({ graceMs = 10_000 } = {}) {
      idle ??= (async () => {
        stopping = true;
        unsubscribe?.();
        poke();
        const pending = [...slots.values()];
        for (const slot of pending) {
          slot.requeue = true;
          if (slot.run) Promise.resolve(slot.run.pause()).catch(() => {});
        }
        const hard = setTimeout(() => {
          forced = true;
          for (const slot of slots.values()) if (slot.run) Promise.resolve(slot.run.stop()).catch(() => {});
        }, graceMs);
        await looping;
        while (slots.size > 0) await nextPoke();
        clearTimeout(hard);
        events$.complete();
      })();
      return idle;
    },
  };
}
