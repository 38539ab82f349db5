/**
 * The `job_plans` table (library migration 004), the copy job's own: work it decided on once and walks with a
 * cursor, so its checkpoint holds the cursor and not the list. Functions take the library first and use its
 * statement cache.
 */
import type { Library } from '../library/Library.js';

/** One item of a copy plan. */
export interface PlanItem {
  readonly seq: number;
  readonly kind: string;
  readonly action: string;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly size: number;
  readonly mode: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
}

/** A plan item as read back: paths as `Buffer`. */
export interface StoredPlanItem extends PlanItem {
  readonly src: Buffer;
  readonly dst: Buffer;
}

/**
 * Store items of a job's plan. An item with the same job and `seq` is replaced. Runs in the caller's
 * transaction (commit it with the checkpoint that records the plan as made).
 */
export function insertPlanItems(library: Library, jobId: string, items: readonly PlanItem[]): void {
  const insert = library.statements.get(
    `INSERT OR REPLACE INTO job_plans (job_id, seq, kind, action, src, dst, size, mode, atime_ms, mtime_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const i of items) {
    insert.run(jobId, i.seq, i.kind, i.action, i.src, i.dst, i.size, i.mode, i.atimeMs, i.mtimeMs);
  }
}

/**
 * A page of a job's plan items with `seq > afterSeq`, in `seq` order (or, with `descending`, the items
 * with `seq < afterSeq` from the last one down), optionally of one kind.
 */
export function planItems(
  library: Library,
  jobId: string,
  afterSeq: number,
  limit = 1000,
  options: { kind?: string; descending?: boolean } = {},
): StoredPlanItem[] {
  const order = options.descending ? 'seq < ? ORDER BY seq DESC' : 'seq > ? ORDER BY seq';
  const kind = options.kind === undefined ? '' : 'AND kind = ?';
  const query = library.statements.get(
    `SELECT seq, kind, action, src, dst, size, mode, atime_ms AS atimeMs, mtime_ms AS mtimeMs FROM job_plans
       WHERE job_id = ? ${kind} AND ${order} LIMIT ?`,
  );
  const args = options.kind === undefined ? [jobId, afterSeq, limit] : [jobId, options.kind, afterSeq, limit];
  return query.all(...args) as StoredPlanItem[];
}

/** Delete a job's plan; returns how many items it had. Runs in the caller's transaction. */
export function deletePlan(library: Library, jobId: string): number {
  return library.statements.get('DELETE FROM job_plans WHERE job_id = ?').run(jobId).changes;
}
