import fs from 'node:fs';
import { typeOfExtension } from '../content/kindOfExtension.js';
import { asBuffer, display } from '../content/fileBytes.js';
import { headOf } from '../content/hashFile.js';
import type { IssueKind, Severity, ValidationIssue, ValidationLimits, ValidationMode } from './types.js';

/** An entry as the library recorded it (see `entriesToValidate` in `validationQueries.ts`). */
export interface RecordedEntry {
  readonly id: number;
  readonly kind: 'file' | 'dir' | 'symlink';
  readonly name: Uint8Array;
  readonly size: number;
  readonly mtimeMs: number | null;
  readonly mode: number | null;
  readonly extension: string | null;
  readonly contentId?: string | null;
  readonly hashSize: number | null;
  readonly hashMtimeMs: number | null;
  readonly fullHash: string | null;
  readonly hashedAt: number | null;
}

/** A file an integrity check still has to hash (see {@link judgeHash}). */
export interface HashNeed {
  readonly path: Uint8Array;
  readonly size: number;
  readonly mtimeMs: number;
  /** A full hash is recorded for the size and mtime the index holds. */
  readonly known: boolean;
  /** The file's size and mtime are those the index holds. */
  readonly unchanged: boolean;
  /** Compare the content id too (first integrity run of an unchanged file with a content id). */
  readonly checkContentId: boolean;
}

/** What checking one entry gives. */
export interface EntryCheck {
  readonly issues: ValidationIssue[];
  /** Integrity: the file to hash; pass the result to {@link judgeHash}. */
  readonly hash?: HashNeed;
  /** A full hash to record (the first integrity check of an unchanged file). */
  readonly record?: { entryId: number; size: number; mtimeMs: number; fullHash: string };
  readonly hashedBytes: number;
}

/** Default limits of `complete` mode. */
export const DEFAULT_LIMITS: Required<ValidationLimits> = {
  maxNameBytes: 255,
  maxDepth: 32,
  hugeFileBytes: 100e9,
};

const UNPORTABLE = /[<>:"|?*]|[. ]$/;

/**
 * Check one recorded entry against the disk: everything but the hashing, which the caller does (in a pool of
 * threads) for the returned `hash` and hands to {@link judgeHash}. Never writes to the file: stats it and
 * reads the first KiB of text files (complete).
 *
 * @param path The entry's absolute path, as bytes.
 * @param depth Its number of path components below the location root.
 */
export function checkEntry(
  entry: RecordedEntry,
  path: Uint8Array,
  depth: number,
  mode: ValidationMode,
  limits: Required<ValidationLimits>,
): EntryCheck {
  const issues: ValidationIssue[] = [];
  const shown = display(path);
  const add = (kind: IssueKind, severity: Severity, message: string) =>
    issues.push({ kind, severity, path: shown, message, entryId: entry.id });
  const hashedBytes = 0;

  if (mode === 'complete') {
    const name = asBuffer(entry.name);
    const text = name.toString('utf8');
    if (UNPORTABLE.test(text)) {
      add(
        'unportable-name',
        'warning',
        `The name "${text}" has characters Windows and some other systems refuse (<>:"|?*, or a trailing dot or space).`,
      );
    }
    if (name.length > limits.maxNameBytes) {
      add(
        'long-name',
        'warning',
        `The name is ${name.length} bytes long; most file systems allow ${limits.maxNameBytes}.`,
      );
    }
    if (depth > limits.maxDepth) {
      add(
        'deep-path',
        'warning',
        `The path is ${depth} components deep below the location (more than ${limits.maxDepth}).`,
      );
    }
  }

  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(asBuffer(path), { throwIfNoEntry: false });
  } catch (error) {
    add('unreadable', 'error', `Cannot stat: ${(error as Error).message}`);
    return { issues, hashedBytes };
  }
  if (st === undefined) {
    add('missing', 'error', `Recorded as a ${entry.kind} but no longer exists.`);
    return { issues, hashedBytes };
  }
  const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
  if (kind !== entry.kind) {
    add('kind-changed', 'error', `Recorded as a ${entry.kind}, now a ${kind}.`);
    return { issues, hashedBytes };
  }
  if (mode === 'complete' && entry.mode !== null && (st.mode & 0o7777) !== (entry.mode & 0o7777)) {
    add(
      'permissions-changed',
      'warning',
      `Permissions are ${octal(st.mode)}, were ${octal(entry.mode)} when indexed.`,
    );
  }
  if (kind !== 'file') return { issues, hashedBytes };

  const unchanged = st.size === entry.size && st.mtimeMs === entry.mtimeMs;
  if (st.size < entry.size) {
    add('truncated', 'error', `Is ${st.size} bytes, was ${entry.size} when indexed.`);
  } else if (!unchanged) {
    const what =
      st.size !== entry.size
        ? `size ${entry.size} → ${st.size}`
        : `mtime ${iso(entry.mtimeMs)} → ${iso(st.mtimeMs)}`;
    add(
      'modified',
      'warning',
      `Changed since it was indexed (${what}); index the location again to record it.`,
    );
  }

  let hash: HashNeed | undefined;
  if (mode !== 'basic' && st.size > 0) {
    const known =
      entry.fullHash !== null && entry.hashSize === entry.size && entry.hashMtimeMs === entry.mtimeMs;
    hash = {
      path,
      size: st.size,
      mtimeMs: st.mtimeMs,
      known,
      unchanged,
      checkContentId: !known && unchanged && !!entry.contentId,
    };
  }

  if (mode === 'complete') {
    if (st.size === 0) add('empty-file', 'info', 'The file is empty.');
    if (st.size > limits.hugeFileBytes) {
      add(
        'huge-file',
        'info',
        `The file is ${st.size} bytes (over ${limits.hugeFileBytes}): many file systems and tools cannot hold it.`,
      );
    }
    if (st.size > 0 && typeOfExtension(entry.extension)?.container === 'text') {
      try {
        const head = headOf(path, 1024);
        const at = head.findIndex(isControl);
        if (at >= 0) {
          add(
            'control-bytes',
            'warning',
            `A text file with the control byte 0x${head[at].toString(16).padStart(2, '0')} at offset ${at}: binary data or corruption.`,
          );
        }
      } catch (error) {
        add('unreadable', 'error', `Cannot read: ${(error as Error).message}`);
      }
    }
  }
  return { issues, hashedBytes, ...(hash ? { hash } : {}) };
}

/**
 * Complete an integrity check with the file's hashes (or the error reading it): silent corruption when the
 * size and mtime are unchanged but the bytes are not, else the hash to record on a first run.
 */
export function judgeHash(
  entry: RecordedEntry,
  check: EntryCheck,
  result: { fullHash: string; contentId: string | null } | Error,
): EntryCheck {
  const need = check.hash!;
  const issues = [...check.issues];
  const add = (kind: IssueKind, severity: Severity, message: string) =>
    issues.push({ kind, severity, path: display(need.path), message, entryId: entry.id });
  if (result instanceof Error) {
    add('unreadable', 'error', `Cannot read: ${result.message}`);
    return { issues, hashedBytes: 0 };
  }
  let record: EntryCheck['record'];
  if (need.known && need.unchanged && result.fullHash !== entry.fullHash) {
    add(
      'silent-corruption',
      'critical',
      `The bytes changed but the size and mtime did not: the full BLAKE3 differs from the one recorded on ${iso(entry.hashedAt)}. Restore the file from a backup.`,
    );
  } else if (need.checkContentId && result.contentId !== entry.contentId) {
    add(
      'silent-corruption',
      'critical',
      'The bytes changed but the size and mtime did not: the content id differs from the one recorded when indexed. Restore the file from a backup.',
    );
  } else if (!need.known && need.unchanged) {
    record = { entryId: entry.id, size: need.size, mtimeMs: need.mtimeMs, fullHash: result.fullHash };
  }
  return { issues, hashedBytes: need.size, ...(record ? { record } : {}) };
}

/** C0 control bytes other than tab, line feed and carriage return, and DEL. */
function isControl(byte: number): boolean {
  return (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) || byte === 0x7f;
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

function iso(ms: number | null): string {
  return ms === null ? 'an unknown date' : new Date(ms).toISOString();
}
