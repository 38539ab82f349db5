import type { PhaseOutput } from './types.js';

/** Go on to the next enabled phase. */
export const Continue: PhaseOutput = Object.freeze({ kind: 'continue' });

/** Finish the job now; the remaining phases are recorded `skipped`. */
export const Complete: PhaseOutput = Object.freeze({ kind: 'complete' });

/**
 * Jump forward to `phase`, which must be listed in this phase's `skipsTo`; the phases between are recorded
 * `skipped`. A target that was not declared fails the job with a message naming the declared targets.
 *
 * @example
 * phase({ name: 'scan', skipsTo: ['report'], async execute(ctx) {
 *   return ctx.state.nothingToDo ? skipTo('report') : Continue;
 * } })
 */
export function skipTo(phase: string): PhaseOutput {
  return { kind: 'skipTo', phase };
}
