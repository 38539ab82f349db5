/**
 * The `file_hashes` table (migration 003): the full hash of an entry's content with the size and mtime it
 * was computed at. Shared by duplicate detection and validation. Functions take the {@link Library} first.
 */
import type { Library } from './Library.js';

/** One full hash for {@link setFileHashes}. */
export interface FileHashRow {
  readonly entryId: number;
  readonly size: number;
  readonly mtimeMs: number;
  /** BLAKE3 of the whole content, 64 hex characters. */
  readonly fullHash: string;
}

/**
 * Record full hashes of entries, with the size and mtime each file had when hashed (replacing older ones);
 * a content identity without a full hash takes the entry's. Runs in the caller's transaction.
 */
export function setFileHashes(
  library: Library,
  rows: readonly FileHashRow[],
  at: number = library.clock.now(),
): void {
  const upsert = library.statements.get(
    'INSERT OR REPLACE INTO file_hashes (entry_id, size, mtime_ms, full_hash, hashed_at) VALUES (?, ?, ?, ?, ?)',
  );
  const identity = library.statements.get(
    `UPDATE content_identities SET full_hash = ?, full_hash_at = ?
       WHERE full_hash IS NULL AND content_id = (SELECT content_id FROM entries WHERE id = ? AND size = ?)`,
  );
  for (const r of rows) {
    upsert.run(r.entryId, r.size, r.mtimeMs, r.fullHash, at);
    identity.run(r.fullHash, at, r.entryId, r.size);
  }
}
