import { depsType } from '../../phases/depsType.js';
import { defineJob } from '../../phases/defineJob.js';
import { collect } from './phases/collect.js';
import { complete } from './phases/complete.js';
import { validate } from './phases/validate.js';
import {
  SEVERITIES,
  type Severity,
  type ValidationDeps,
  type ValidationInput,
  type ValidationOutput,
  type ValidationState,
} from './types.js';

/**
 * Validation: collect → validate → complete. Checks what the library recorded for an indexed location against
 * the disk — `basic`: every entry still there with its kind, size and mtime; `integrity`: plus a full BLAKE3 of
 * every file against the one the library holds (recorded, with the date, on the first run; a difference with
 * the size and mtime unchanged is silent corruption, critical); `complete`: plus permissions, empty files,
 * names other systems refuse, depth, control bytes in text files and huge files. Never changes a file; the
 * run and its issues are recorded in the library.
 *
 * @example
 * ```ts
 * const run = runJob(validationJob, { location: '/home/me/Photos', mode: 'integrity' }, { store, deps: { library } });
 * const { output } = await run.result;
 * if (output.failed) for (const i of output.issues) console.log(i.severity, i.path, i.message);
 * ```
 */
export const validationJob = defineJob<ValidationState, ValidationInput, ValidationDeps, ValidationOutput>({
  name: 'validation',
  version: 1,
  // The library is required: running the job without `deps` does not compile.
  deps: depsType<ValidationDeps>(),
  phases: [collect, validate, complete],
  initialState: () => ({
    locationId: null,
    locationPath: '',
    runId: null,
    cursor: 0,
    total: 0,
    checked: 0,
    recorded: 0,
    hashedBytes: 0,
    bySeverity: { info: 0, warning: 0, error: 0, critical: 0 },
    issues: [],
    issueCount: 0,
  }),
  output: (state, input) => {
    const failOn = input.failOn ?? 'error';
    const worst = [...SEVERITIES].reverse().find((s) => state.bySeverity[s] > 0) ?? null;
    return {
      locationId: state.locationId!,
      path: state.locationPath,
      runId: state.runId!,
      mode: input.mode ?? 'basic',
      checked: state.checked,
      recorded: state.recorded,
      hashedBytes: state.hashedBytes,
      issueCount: state.issueCount,
      bySeverity: { ...state.bySeverity },
      worst,
      failed: worst !== null && atLeast(worst, failOn),
      failOn,
      issues: state.issues,
    };
  },
});

/** Whether severity `a` is `b` or worse. */
export function atLeast(a: Severity, b: Severity): boolean {
  return SEVERITIES.indexOf(a) >= SEVERITIES.indexOf(b);
}
