import { Complete } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import type { DeleteDeps, DeleteInput, DeleteState } from '../types.js';

/** The end: counts are final; the summary comes from the job's output. */
export const complete = phase<DeleteState, DeleteInput, DeleteDeps>({
  name: 'complete',
  async execute(ctx) {
    ctx.reportProgress({ completed: 1, total: 1, message: `${ctx.state.counts.targets} deleted` });
    return Complete;
  },
});
