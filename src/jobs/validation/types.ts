import type { Library } from '../library/Library.js';

/** How much validation checks. */
export type ValidationMode = 'basic' | 'integrity' | 'complete';

/** How bad an issue is, least first. */
export type Severity = 'info' | 'warning' | 'error' | 'critical';

/** The severities in order, least first. */
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error', 'critical'];

/** What a validation issue is about. */
export type IssueKind =
  | 'missing'
  | 'kind-changed'
  | 'truncated'
  | 'modified'
  | 'unreadable'
  | 'silent-corruption'
  | 'permissions-changed'
  | 'empty-file'
  | 'unportable-name'
  | 'long-name'
  | 'deep-path'
  | 'control-bytes'
  | 'huge-file';

/** One problem found. */
export interface ValidationIssue {
  readonly kind: IssueKind;
  readonly severity: Severity;
  /** The path (for display: UTF-8, invalid bytes replaced). */
  readonly path: string;
  readonly message: string;
  /** The library entry. */
  readonly entryId: number;
}

/** Limits of `complete` mode. */
export interface ValidationLimits {
  /** Longest name, in bytes (default 255: most file systems refuse longer). */
  readonly maxNameBytes?: number;
  /** Most path components below the location (default 32). */
  readonly maxDepth?: number;
  /** Files over this many bytes are reported (default 100 GB). */
  readonly hugeFileBytes?: number;
}

/** What validation is asked to do. Kept in every checkpoint: a resumed job does the same. */
export interface ValidationInput {
  /** The indexed location to validate: its id, or its exact path. */
  readonly location: number | string;
  /**
   * `basic` (default): every entry still exists with its recorded kind, size and mtime. `integrity`: plus a full
   * BLAKE3 of every file against the one the library holds (recorded on the first run). `complete`: plus
   * permissions, empty files, names other systems refuse, depth, control bytes in text, huge files.
   */
  readonly mode?: ValidationMode;
  /** The output's `failed` is true when an issue reaches this severity. Default `error`. */
  readonly failOn?: Severity;
  readonly limits?: ValidationLimits;
  /** Worker threads hashing files in integrity and complete modes. Default 2. */
  readonly threads?: number;
  /** Entries checked per transaction and checkpoint. Default 1000. */
  readonly batchSize?: number;
}

/** What validation needs from the app. */
export interface ValidationDeps {
  readonly library: Library;
}

/** The job's state, saved in every checkpoint. */
export interface ValidationState {
  locationId: number | null;
  /** The location's path, for display. */
  locationPath: string;
  /** The library's validation run this job writes to. */
  runId: number | null;
  /** Entries are checked in id order from after this one. */
  cursor: number;
  total: number;
  checked: number;
  /** Full hashes recorded by this run (first integrity run of those files). */
  recorded: number;
  hashedBytes: number;
  bySeverity: Record<Severity, number>;
  /** The first issues found (all of them are in the library). */
  issues: ValidationIssue[];
  issueCount: number;
}

/** What validation returns. */
export interface ValidationOutput {
  readonly locationId: number;
  readonly path: string;
  /** The library's validation run, with every issue: `getValidationRun(library, runId)` (`validationRuns.ts`). */
  readonly runId: number;
  readonly mode: ValidationMode;
  readonly checked: number;
  readonly recorded: number;
  readonly hashedBytes: number;
  readonly issueCount: number;
  readonly bySeverity: Readonly<Record<Severity, number>>;
  /** The worst severity found, or `null` when there was no issue. */
  readonly worst: Severity | null;
  /** Whether an issue reached `failOn`. */
  readonly failed: boolean;
  readonly failOn: Severity;
  /** The issues (the first 10,000; `issueCount` counts them all). */
  readonly issues: readonly ValidationIssue[];
}
