/**
 * `phasekit/postgres`: checkpoints, leases and a shared job queue in PostgreSQL, for many workers on many
 * machines. Loads `pg`; nothing else of phasekit's entry points needs it.
 *
 * - {@link PostgresStore}: the store (open it with `PostgresStore.open(url)`); jobs are claimed with
 *   `FOR UPDATE SKIP LOCKED`, every checkpoint is written under the lease's fencing token, and `atomicWith`
 *   gets the checkpoint transaction's client.
 * - Run workers with `createWorker` and queue jobs with `enqueue` (both from `phasekit`), or
 *   `phasekit worker --store postgres://…`. See docs/workers.md.
 */
export { PostgresStore } from './persistence/stores/PostgresStore.js';
export type { PostgresAtomicWith, PostgresStoreOptions } from './persistence/stores/PostgresStore.js';
export { PostgresConnectError } from './persistence/postgres/PostgresConnectError.js';
export type { StoreEvent } from './persistence/postgres/PostgresNotifier.js';
export { POSTGRES_SCHEMA_VERSION } from './persistence/postgres/postgresMigrations.js';
export { createWorker } from './manager/createWorker.js';
export { enqueue, requeue } from './manager/enqueue.js';
export type { EnqueueOptions } from './manager/enqueue.js';
export { UnsharedStoreError } from './manager/UnsharedStoreError.js';
export type { NotifyingStore, Worker, WorkerEvent, WorkerOptions } from './manager/workerTypes.js';
