import type { AnyActorRef } from 'xstate';

const NONE: readonly never[] = Object.freeze([]);

type Persistable = {
  logic?: { getPersistedSnapshot?: (snapshot: unknown) => unknown };
  getSnapshot(): unknown;
  getPersistedSnapshot(): unknown;
};

/**
 * `job.getPersistedSnapshot()`, without XState walking the history and error lists in search of actor
 * references: they are phasekit's own plain records (no actor can be in them), and a job's history is its
 * longest list. The result is equal to XState's, key for key, with those two lists as the very arrays of the
 * context (XState keeps them too when it finds no actor in them).
 */
export function persistedSnapshot(job: AnyActorRef): unknown {
  const actor = job as unknown as Persistable;
  const snapshot = actor.getSnapshot() as { context?: Record<string, unknown> } | undefined;
  const context = snapshot?.context;
  const persist = actor.logic?.getPersistedSnapshot;
  if (!persist || !context || !Array.isArray(context.history) || !Array.isArray(context.errors)) {
    return actor.getPersistedSnapshot();
  }
  const persisted = persist.call(actor.logic, {
    ...snapshot,
    context: { ...context, history: NONE, errors: NONE },
  }) as { context?: Record<string, unknown> };
  if (persisted.context?.history !== NONE || persisted.context.errors !== NONE) {
    return actor.getPersistedSnapshot();
  }
  persisted.context.history = context.history;
  persisted.context.errors = context.errors;
  return persisted;
}
