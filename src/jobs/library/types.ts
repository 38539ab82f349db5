/**
 * Row shapes of the library database, as the table modules (`locations.ts`, `entries.ts`,
 * `contentIdentities.ts`) take and return them.
 *
 * Names and paths are bytes (`Uint8Array` in, `Buffer` out): Linux file names need not be UTF-8, and a
 * name must be found again byte for byte. The `…Text` fields are for humans only (UTF-8 decoded, invalid
 * sequences shown as U+FFFD) and are never used to find anything.
 *
 * Times are epoch milliseconds. `mtimeMs` and `ctimeMs` are stored as the same doubles `fs.Stats` gives, so
 * an unchanged file compares equal. Inode and device numbers above 2^53 (rare) come back rounded.
 */

/** What an entry is on disk. Symlinks are recorded, never followed. */
export type EntryKind = 'file' | 'dir' | 'symlink';

/** A location: a directory the user asked to index. */
export interface LocationRow {
  readonly id: number;
  /** Bytes of the absolute path, without a trailing separator (except for `/`). */
  readonly path: Buffer;
  /** The path for display. */
  readonly pathText: string;
  readonly createdAt: number;
  readonly lastIndexedAt: number | null;
  /** The options stored with the location (JSON), e.g. the indexer's rules; `null` when none. */
  readonly options: unknown;
  /** The location's root entry: the directory itself, kind `dir`, empty name, no parent. */
  readonly rootEntryId: number;
}

/** A new entry for `insertEntries` (`entries.ts`). Omitted optional fields are stored as NULL or 0. */
export interface NewEntry {
  /** An id chosen by the caller (for example allocated from a job's checkpointed state), or none for a new one. */
  readonly id?: number;
  readonly locationId: number;
  /** The parent directory's entry id; top-level entries have the location's `rootEntryId`. */
  readonly parentId: number;
  /** The raw bytes of the file name, as `readdir(..., { encoding: 'buffer' })` gives them. */
  readonly name: Uint8Array;
  /** Display name; defaults to `name` decoded as UTF-8. */
  readonly nameText?: string;
  /** Lowercase extension without the dot, or `null`; the caller decides what counts as one. */
  readonly extension?: string | null;
  readonly kind: EntryKind;
  /** Bytes on disk for files, the link's own size for symlinks, 0 for directories. Default 0. */
  readonly size?: number;
  readonly inode?: number | bigint | null;
  readonly device?: number | bigint | null;
  readonly mtimeMs?: number | null;
  readonly ctimeMs?: number | null;
  readonly mode?: number | null;
  /** For symlinks, the raw bytes of the link's target. */
  readonly symlinkTarget?: Uint8Array | null;
}

/**
 * The columns `updateEntries` (`entries.ts`) may change. A field left out (or `undefined`) keeps its value;
 * `null` clears it. The content id is not here: `setContentIds` (`contentIdentities.ts`) changes it and keeps the
 * content identities' counts right.
 */
export interface EntryChanges {
  readonly parentId?: number;
  readonly name?: Uint8Array;
  /** Defaults to the new `name` decoded, when `name` changes. */
  readonly nameText?: string;
  readonly extension?: string | null;
  readonly kind?: EntryKind;
  readonly size?: number;
  readonly aggregateSize?: number;
  readonly childCount?: number;
  readonly fileCount?: number;
  readonly inode?: number | bigint | null;
  readonly device?: number | bigint | null;
  readonly mtimeMs?: number | null;
  readonly ctimeMs?: number | null;
  readonly mode?: number | null;
  readonly mime?: string | null;
  readonly width?: number | null;
  readonly height?: number | null;
  readonly orientation?: number | null;
  readonly symlinkTarget?: Uint8Array | null;
}

/** One row of `updateEntries` (`entries.ts`): the entry's id and what changes. */
export interface EntryUpdate extends EntryChanges {
  readonly id: number;
}

/** The columns change detection compares, as `entriesOfLocation` (`entries.ts`) yields them. */
export interface EntrySummary {
  readonly id: number;
  readonly parentId: number | null;
  readonly name: Buffer;
  readonly kind: EntryKind;
  readonly size: number;
  readonly mtimeMs: number | null;
  readonly inode: number | null;
  readonly device: number | null;
}

/** A whole entry row. */
export interface EntryRow extends EntrySummary {
  readonly locationId: number;
  readonly nameText: string;
  readonly extension: string | null;
  readonly aggregateSize: number;
  readonly childCount: number;
  readonly fileCount: number;
  readonly ctimeMs: number | null;
  readonly mode: number | null;
  readonly contentId: string | null;
  readonly mime: string | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly orientation: number | null;
  readonly symlinkTarget: Buffer | null;
}

/** One row of `setContentIds` (`contentIdentities.ts`). */
export interface ContentIdAssignment {
  /** The entry. */
  readonly id: number;
  /** Its content id, or `null` to unlink it (its content changed and is not hashed yet). */
  readonly contentId: string | null;
  /** Kind of content (e.g. `image`), recorded on the identity when given. */
  readonly kind?: string | null;
  /** MIME type, recorded on the identity when given. */
  readonly mime?: string | null;
}

/** A content identity: one distinct content, shared by every entry with its content id. */
export interface ContentIdentityRow {
  readonly contentId: string;
  readonly size: number;
  readonly kind: string | null;
  readonly mime: string | null;
  /** How many entries have this content id. Kept at 0 (with its full hash) until pruned. */
  readonly entryCount: number;
  /** BLAKE3 of the whole content (64 hex characters), once validated. */
  readonly fullHash: string | null;
  readonly fullHashAt: number | null;
}

/** One numbered step of the library schema. */
export interface LibraryMigration {
  /** The schema version after this step: 1, 2, 3... without gaps. */
  readonly version: number;
  /** A short name, for messages. */
  readonly name: string;
  /** The SQL that takes the schema from `version - 1` to `version`. */
  readonly sql: string;
}
