/**
 * The `validation_runs` and `validation_issues` tables (library migration 003), the validation job's own: one
 * run per job, with the issues it found. Functions take the library first and use its statement cache.
 */
import type { Library } from '../library/Library.js';

/** An issue as {@link addValidationIssues} records it. */
export interface ValidationIssueRow {
  readonly entryId: number | null;
  readonly kind: string;
  readonly severity: 'info' | 'warning' | 'error' | 'critical';
  readonly path: string;
  readonly message: string;
}

/** A validation run with its issues, as {@link getValidationRun} reads it. */
export interface ValidationRunRow {
  readonly id: number;
  readonly locationId: number;
  readonly jobId: string;
  readonly mode: string;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly checked: number;
  readonly issueCount: number;
  readonly issues: {
    entryId: number | null;
    kind: string;
    severity: string;
    path: string;
    message: string;
  }[];
}

/**
 * The validation run of a job, created (started at `at`) if it has none: one row per job, so a resumed job
 * keeps adding to its run. Returns the run's id. Runs in the caller's transaction.
 */
export function openValidationRun(
  library: Library,
  locationId: number,
  jobId: string,
  mode: string,
  at: number = library.clock.now(),
): number {
  library.statements
    .get('INSERT OR IGNORE INTO validation_runs (location_id, job_id, mode, started_at) VALUES (?, ?, ?, ?)')
    .run(locationId, jobId, mode, at);
  return library.statements.pluck('SELECT id FROM validation_runs WHERE job_id = ?').get(jobId) as number;
}

/** Add issues to a validation run, counting them and `checked` entries on it. Runs in the caller's transaction. */
export function addValidationIssues(
  library: Library,
  runId: number,
  issues: readonly ValidationIssueRow[],
  checked = 0,
): void {
  const insert = library.statements.get(
    'INSERT INTO validation_issues (run_id, entry_id, kind, severity, path, message) VALUES (?, ?, ?, ?, ?, ?)',
  );
  for (const i of issues) insert.run(runId, i.entryId, i.kind, i.severity, i.path, i.message);
  library.statements
    .get('UPDATE validation_runs SET issue_count = issue_count + ?, checked = checked + ? WHERE id = ?')
    .run(issues.length, checked, runId);
}

/** Mark a validation run finished at `at` (default now). */
export function finishValidationRun(library: Library, runId: number, at: number = library.clock.now()): void {
  library.statements.get('UPDATE validation_runs SET finished_at = ? WHERE id = ?').run(at, runId);
}

/** A validation run with its issues (in the order found), or `undefined`. */
export function getValidationRun(library: Library, runId: number): ValidationRunRow | undefined {
  const run = library.statements
    .get(
      `SELECT id, location_id AS locationId, job_id AS jobId, mode, started_at AS startedAt,
         finished_at AS finishedAt, checked, issue_count AS issueCount FROM validation_runs WHERE id = ?`,
    )
    .get(runId) as Omit<ValidationRunRow, 'issues'> | undefined;
  if (run === undefined) return undefined;
  const issues = library.statements
    .get(
      `SELECT entry_id AS entryId, kind, severity, path, message FROM validation_issues WHERE run_id = ?
       ORDER BY rowid`,
    )
    .all(runId) as ValidationRunRow['issues'];
  return { ...run, issues };
}
