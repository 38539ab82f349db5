import type { PhaseErrorKind } from '../phases/PhaseError.js';

/**
 * One event of a path: exactly what the job machine receives. Phase outcomes arrive as
 * `xstate.done.actor.execute-<phase>` (with `output`) or `xstate.error.actor.execute-<phase>` (with `error`),
 * hooks as `…onSuccess-<phase>` / `…onFailure-<phase>`, backoffs as `xstate.done.actor.backoff-<phase>`, the
 * job's output as `xstate.done.actor.output`; plus `PAUSE`, `RESUME`, `CANCEL`, `NON_FATAL`. The first step of
 * a path is `{ type: 'xstate.init' }`: start the actor. Plain data: a path can be saved as JSON.
 */
export interface JobPathEvent {
  readonly type: string;
  readonly output?: unknown;
  /** An error record, as a phase's thrown error arrives at the machine (`NON_FATAL` adds `phase` and `at`). */
  readonly error?: {
    readonly kind: PhaseErrorKind;
    readonly name: string;
    readonly message: string;
    readonly phase?: string | null;
    readonly at?: number;
  };
}
