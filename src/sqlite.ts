/**
 * `phasekit/sqlite` — the embedded default store, on better-sqlite3 (a native module, which is why it is not in
 * the core entry `phasekit`).
 *
 * @example
 * ```ts
 * import { runJob } from 'phasekit';
 * import { SqliteStore } from 'phasekit/sqlite';
 * const run = runJob(job, input, { store: new SqliteStore('./jobs.db') });
 * ```
 *
 * @packageDocumentation
 */
export { SqliteStore } from './persistence/stores/SqliteStore.js';
export type { SqliteStoreOptions } from './persistence/stores/SqliteStore.js';
