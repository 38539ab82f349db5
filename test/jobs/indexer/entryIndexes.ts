import Database from 'better-sqlite3';

/** The `entries` indexes in the library file, as SQLite keeps their definitions. */
export function entryIndexes(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare(
        "SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'entries' AND sql IS NOT NULL ORDER BY name",
      )
      .pluck()
      .all() as string[];
  } finally {
    db.close();
  }
}
