/**
 * The `content_identities` table: one row per distinct content, counting the entries that have its content
 * id. Shared by every job. Functions take the {@link Library} first and use its statement cache; writes run
 * in the caller's transaction (see {@link Library}).
 */
import type { Library } from './Library.js';
import type { ContentIdAssignment, ContentIdentityRow } from './types.js';

/**
 * Link entries to content ids (or unlink them with `null`), creating content identities as needed and
 * keeping each identity's `entry_count` equal to the number of entries that have its id. Entries that no
 * longer exist are skipped. Returns how many entries changed. Runs in the caller's transaction.
 */
export function setContentIds(library: Library, rows: readonly ContentIdAssignment[]): number {
  const current = library.statements.get('SELECT content_id AS contentId, size FROM entries WHERE id = ?');
  const link = library.statements.get(
    `INSERT INTO content_identities (content_id, size, kind, mime, entry_count) VALUES (?, ?, ?, ?, 1)
       ON CONFLICT (content_id) DO UPDATE SET entry_count = entry_count + 1,
         kind = coalesce(excluded.kind, kind), mime = coalesce(excluded.mime, mime)`,
  );
  const describe = library.statements.get(
    'UPDATE content_identities SET kind = coalesce(?, kind), mime = coalesce(?, mime) WHERE content_id = ?',
  );
  const set = library.statements.get('UPDATE entries SET content_id = ? WHERE id = ?');
  let changed = 0;
  for (const row of rows) {
    const entry = current.get(row.id) as { contentId: string | null; size: number } | undefined;
    if (entry === undefined) continue;
    if (entry.contentId === row.contentId) {
      if (row.contentId !== null) describe.run(row.kind ?? null, row.mime ?? null, row.contentId);
      continue;
    }
    if (entry.contentId !== null) unlinkContentId(library, entry.contentId);
    if (row.contentId !== null) link.run(row.contentId, entry.size, row.kind ?? null, row.mime ?? null);
    set.run(row.contentId, row.id);
    changed++;
  }
  return changed;
}

/** The content identity with this id, or `undefined`. */
export function getContentIdentity(library: Library, contentId: string): ContentIdentityRow | undefined {
  const query = library.statements.get(
    `SELECT content_id AS contentId, size, kind, mime, entry_count AS entryCount, full_hash AS fullHash,
         full_hash_at AS fullHashAt FROM content_identities WHERE content_id = ?`,
  );
  return query.get(contentId) as ContentIdentityRow | undefined;
}

/** Delete content identities no entry links to any more; returns how many. Their thumbnails stay. */
export function pruneContentIdentities(library: Library): number {
  return library.statements.get('DELETE FROM content_identities WHERE entry_count <= 0').run().changes;
}

/** @internal One entry fewer has this content id (the identity stays, at 0, until pruned). */
export function unlinkContentId(library: Library, contentId: string): void {
  library.statements
    .get('UPDATE content_identities SET entry_count = entry_count - 1 WHERE content_id = ?')
    .run(contentId);
}
