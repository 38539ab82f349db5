import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import type { ValidationDeps, ValidationInput, ValidationState } from '../types.js';
import { finishValidationRun } from '../validationRuns.js';

/** Record when the validation finished, on its run in the library. */
export const complete = phase<ValidationState, ValidationInput, ValidationDeps>({
  name: 'complete',
  async execute(ctx) {
    const { state } = ctx;
    const library = ctx.deps.library;
    await ctx.checkpoint({
      force: true,
      atomicWith: () => finishValidationRun(library, state.runId!, ctx.clock.now()),
    });
    return Continue;
  },
});
