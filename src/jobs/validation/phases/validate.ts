import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { joinBytes } from '../../fs/paths.js';
import { HashPool } from '../../content/hashPool.js';
import { checkEntry, DEFAULT_LIMITS, type EntryCheck, judgeHash } from '../checkEntry.js';
import type { ValidationDeps, ValidationInput, ValidationState } from '../types.js';
import { dirsOfLocation } from '../../library/entries.js';
import { setFileHashes } from '../../library/fileHashes.js';
import { getLocation } from '../../library/locations.js';
import { entriesToValidate } from '../validationQueries.js';
import { addValidationIssues } from '../validationRuns.js';

/** Issues kept in the job's state (and output); the library keeps them all. */
const KEPT_ISSUES = 10_000;

/**
 * Check every entry of the location against the disk, in id order, a batch at a time. A batch's issues, the
 * full hashes it recorded and the cursor commit with one checkpoint, so a resumed job neither repeats nor
 * skips an entry. Validation never changes a file.
 */
export const validate = phase<ValidationState, ValidationInput, ValidationDeps>({
  name: 'validate',
  weight: 10,
  async execute(ctx) {
    const { state, input } = ctx;
    const library = ctx.deps.library;
    const mode = input.mode ?? 'basic';
    const limits = { ...DEFAULT_LIMITS, ...input.limits };
    const batchSize = input.batchSize ?? 1000;
    const location = getLocation(library, state.locationId!)!;
    // Directory paths and depths, built once: a query per entry would cost more than the check.
    const dirs = new Map<number, { path: Buffer; depth: number }>();
    for (const d of dirsOfLocation(library, location.id)) {
      const parent = d.parentId === null ? undefined : dirs.get(d.parentId);
      dirs.set(
        d.id,
        parent === undefined
          ? { path: location.path, depth: 0 }
          : { path: joinBytes(parent.path, d.name), depth: parent.depth + 1 },
      );
    }
    if (state.cursor === 0) state.cursor = location.rootEntryId;
    const pool = new HashPool(mode === 'basic' ? 0 : (input.threads ?? 2));
    try {
      for (;;) {
        const rows = entriesToValidate(library, location.id, state.cursor, batchSize);
        if (rows.length === 0) break;
        let checks: EntryCheck[] = [];
        const checked: (typeof rows)[number][] = [];
        for (const row of rows) {
          const parent = row.parentId === null ? undefined : dirs.get(row.parentId);
          if (parent === undefined) continue; // the root, or an orphan the library would call corrupt
          const entryPath = row.kind === 'dir' ? dirs.get(row.id)!.path : joinBytes(parent.path, row.name);
          checks.push(checkEntry(row, entryPath, parent.depth + 1, mode, limits));
          checked.push(row);
        }
        // Integrity: the files' hashes, read by the pool's threads, then judged.
        const hashing = checks.flatMap((c, i) => (c.hash ? [i] : []));
        const hashes = await pool.run<{ fullHash: string; contentId: string | null }>(
          'file',
          hashing.map((i) => ({
            path: checks[i].hash!.path,
            size: checks[i].hash!.size,
            flag: checks[i].hash!.checkContentId,
          })),
          16,
        );
        checks = checks.slice();
        hashing.forEach((at, k) => {
          checks[at] = judgeHash(checked[at], checks[at], hashes[k]);
        });
        const issues = checks.flatMap((c) => c.issues);
        const records = checks.flatMap((c) => (c.record ? [c.record] : []));
        state.cursor = rows[rows.length - 1].id;
        state.checked += rows.length;
        state.recorded += records.length;
        state.issueCount += issues.length;
        for (const c of checks) state.hashedBytes += c.hashedBytes;
        for (const issue of issues) {
          state.bySeverity[issue.severity]++;
          if (state.issues.length < KEPT_ISSUES) state.issues.push(issue);
        }
        await ctx.checkpoint({
          force: true,
          atomicWith: () => {
            addValidationIssues(library, state.runId!, issues, rows.length);
            if (records.length > 0) setFileHashes(library, records, ctx.clock.now());
          },
        });
        ctx.atomicOperationComplete(state.checked, state.total);
        // Only between batches: the state in memory then matches what is committed.
        ctx.checkInterrupt();
      }
    } finally {
      await pool.close();
    }
    return Continue;
  },
});
