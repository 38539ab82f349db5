import type { PhaseContext } from '../../phases/types.js';
import { toError } from '../../phases/toError.js';
import type { CopyDeps, CopyInput, CopyState } from './types.js';

/** How many failures the state keeps as lines for the summary (all of them are in the job's errors). */
const KEPT = 20;

/**
 * A path the job could not copy: a non-fatal error with its path (the job goes on), counted in `failed` and,
 * for the first few, kept as a line for the summary.
 */
export function recordFailure(
  ctx: PhaseContext<CopyState, CopyInput, CopyDeps>,
  error: unknown,
  path: string,
  op: string,
): void {
  const { state } = ctx;
  ctx.addNonFatalError(error, { path, op });
  state.counts.failed = (state.counts.failed ?? 0) + 1;
  state.failures ??= [];
  if (state.failures.length < KEPT) state.failures.push(`${path}: ${toError(error).message}`);
}
