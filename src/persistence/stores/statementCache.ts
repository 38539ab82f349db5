import type Database from 'better-sqlite3';

/**
 * The prepared statements of one connection, each SQL text prepared once. Every user of the connection (the
 * library's tables, {@link SqliteStore}) gets the same cache from {@link statementCache}, so a statement is
 * never prepared twice on one connection.
 *
 * A statement's result mode is part of its key: {@link StatementCache.pluck} and {@link StatementCache.raw}
 * hand out statements of their own, so one caller's `pluck()` never changes what another's rows look like.
 */
export interface StatementCache {
  /** The statement for `sql`, rows as objects. */
  get(sql: string): Database.Statement;
  /** The statement for `sql`, each row as its first column's value. */
  pluck(sql: string): Database.Statement;
  /** The statement for `sql`, each row as an array of its columns. */
  raw(sql: string): Database.Statement;
  /** How many statements are prepared. */
  readonly size: number;
  /** Forget every statement (they are prepared again when next asked for). */
  clear(): void;
}

const caches = new WeakMap<Database.Database, StatementCache>();

/** The statement cache of this connection, created on first use; the same object for every caller. */
export function statementCache(db: Database.Database): StatementCache {
  let cache = caches.get(db);
  if (cache === undefined) {
    cache = createCache(db);
    caches.set(db, cache);
  }
  return cache;
}

function createCache(db: Database.Database): StatementCache {
  const plain = new Map<string, Database.Statement>();
  const plucked = new Map<string, Database.Statement>();
  const raws = new Map<string, Database.Statement>();
  return {
    get(sql) {
      let statement = plain.get(sql);
      if (statement === undefined) {
        statement = db.prepare(sql);
        plain.set(sql, statement);
      }
      return statement;
    },
    pluck(sql) {
      let statement = plucked.get(sql);
      if (statement === undefined) {
        statement = db.prepare(sql).pluck();
        plucked.set(sql, statement);
      }
      return statement;
    },
    raw(sql) {
      let statement = raws.get(sql);
      if (statement === undefined) {
        statement = db.prepare(sql).raw();
        raws.set(sql, statement);
      }
      return statement;
    },
    get size() {
      return plain.size + plucked.size + raws.size;
    },
    clear() {
      plain.clear();
      plucked.clear();
      raws.clear();
    },
  };
}
