import type { CompleteOutput, ContinueOutput, SkipToOutput } from './types.js';

/** Go on to the next enabled phase. */
export const Continue: ContinueOutput = Object.freeze({ kind: 'continue' });

/** Finish the job now; the remaining phases are recorded `skipped`. */
export const Complete: CompleteOutput = Object.freeze({ kind: 'complete' });

/**
 * Jump forward to `phase`, which must be listed in this phase's `skipsTo`; the phases between are recorded
 * `skipped`. A target the phase did not declare does not compile (its `execute` may only return `skipTo` of its
 * `skipsTo`), and one that slips past the compiler fails the job with a message naming the declared targets.
 *
 * @example
 * phase({ name: 'scan', skipsTo: ['report'], async execute(ctx) {
 *   return ctx.state.nothingToDo ? skipTo('report') : Continue;
 * } })
 */
// NoInfer: `T` comes from where the result goes (the phase's declared targets), so a typo is reported on the
// argument itself.
export function skipTo<const T extends string>(phase: NoInfer<T>): SkipToOutput<T> {
  return { kind: 'skipTo', phase };
}
