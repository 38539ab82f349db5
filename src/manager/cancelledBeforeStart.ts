import type { JobResult } from '../machines/JobRun.js';
import { initialHistory } from '../machines/historyUpdates.js';
import type { JobDefinition } from '../phases/defineJob.js';

/** The `error` a job cancelled before it started is stored with. */
export const CANCELLED_BEFORE_START = 'The job was cancelled before it started.';

/**
 * The result of a job cancelled while it waited in the queue. No phase of it ran (so no `onFailure` either):
 * every phase is `pending`, as in a job the machine cancels before its first phase.
 */
export function cancelledBeforeStart(definition: JobDefinition, at: number): JobResult {
  return {
    status: 'cancelled',
    output: undefined,
    history: initialHistory(definition.phases.map((info) => info.phase.name)),
    errors: [],
    errorCount: 0,
    failure: { kind: 'cancelled', name: 'CancelledError', message: CANCELLED_BEFORE_START, phase: null, at },
  };
}
