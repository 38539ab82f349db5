import type Database from 'better-sqlite3';
import type { Clock } from '../../phases/types.js';
import { type StatementCache, statementCache } from '../../persistence/stores/statementCache.js';
import { retryBusySync } from './retryBusy.js';

/** What {@link Library}'s constructor needs; {@link openLibrary} provides it. */
export interface LibraryInit {
  /** Whether the library opened the connection (and so closes it). */
  readonly owned: boolean;
  readonly clock: Pick<Clock, 'now'>;
  readonly schemaVersion: number;
  /** How long the library's own transactions retry a busy database. Default 10 minutes. */
  readonly busyRetryMs?: number;
}

/**
 * The library database: the connection, its clock, its statement cache and its own transactions. Open it
 * with {@link openLibrary}. What is stored is read and written through the table modules, each a set of
 * named functions taking the library first: the shared tables in `src/jobs/library/` (`locations.ts`,
 * `entries.ts`, `contentIdentities.ts`, `fileHashes.ts`, `jobLists.ts`), each job's own next to that job
 * (`thumbnails/thumbnailsTable.ts`, `validation/validationRuns.ts`, `copy/jobPlans.ts`, and the jobs'
 * `…Queries.ts`).
 *
 * Transactions belong to the caller. Table writes other than `upsertLocation`, `deleteLocation` and
 * `reserveEntryIds` (which are atomic on their own, as savepoints inside a caller's transaction) run their
 * statements on the connection as they are and open no transaction of their own: call them inside
 * `db.transaction(...)` or, to commit a batch together with a job's checkpoint, inside
 * `SqliteStore.save(jobId, bytes, meta, { atomicWith })` on the same connection. Outside a transaction every
 * statement commits on its own: slow, and a crash can leave a batch half written.
 *
 * The library's own transactions ({@link Library.immediate}: `upsertLocation`, `deleteLocation`,
 * `reserveEntryIds`, the id counter of `insertEntries`) are IMMEDIATE: they take the write lock before their
 * first read, so another connection committing meanwhile cannot fail them with `SQLITE_BUSY_SNAPSHOT`;
 * outside a caller's transaction a busy library is retried with backoff for up to `busyRetryMs` (default 10
 * minutes) before a `LibraryBusyError`. A caller's transaction that reads before it writes must be IMMEDIATE
 * too (`SqliteStore.save` is), and a job's checkpoint is retried by the runtime (`busyRetryMs`).
 *
 * Every statement is prepared once, in the connection's one {@link StatementCache} (shared with a
 * `SqliteStore` on the same connection). No table function holds job logic: what is new, moved or deleted
 * is the indexer's to decide.
 */
export class Library {
  /** The connection, shared with whoever passed it to {@link openLibrary}. */
  readonly db: Database.Database;
  /** The schema version of the library, which is this code's {@link LIBRARY_SCHEMA_VERSION}. */
  readonly schemaVersion: number;
  /** Where `createdAt`, `markLocationIndexed` and the other default times come from. */
  readonly clock: Pick<Clock, 'now'>;
  /** The connection's prepared statements (the same cache a `SqliteStore` on this connection uses). */
  readonly statements: StatementCache;
  readonly #owned: boolean;
  readonly #busyRetryMs: number | undefined;

  /** @internal Use {@link openLibrary}, which migrates the schema first. */
  constructor(db: Database.Database, init: LibraryInit) {
    this.db = db;
    this.schemaVersion = init.schemaVersion;
    this.clock = init.clock;
    this.statements = statementCache(db);
    this.#owned = init.owned;
    this.#busyRetryMs = init.busyRetryMs;
  }

  /** The database file (`:memory:` for an in-memory one). */
  get file(): string {
    return this.db.name;
  }

  /** Close the connection if {@link openLibrary} opened it; a connection passed in stays open. Idempotent. */
  close(): void {
    if (this.#owned && this.db.open) {
      this.statements.clear();
      this.db.close();
    }
  }

  /**
   * Run `fn` as an IMMEDIATE transaction: it takes the write lock before its first read, so a commit by
   * another connection between its reads and its writes cannot fail it with SQLITE_BUSY_SNAPSHOT (a deferred
   * transaction that read first cannot write after another commit, whatever the busy timeout). A busy
   * library is retried with backoff (see `retryBusySync`) for up to `busyRetryMs`. Inside the caller's
   * transaction, a savepoint (and no retry: only the caller's whole transaction can be repeated).
   */
  immediate<T>(fn: () => T): T {
    return retryBusySync(this.db, () => this.db.transaction(fn).immediate(), {
      ...(this.#busyRetryMs === undefined ? {} : { maxWaitMs: this.#busyRetryMs }),
    });
  }
}
