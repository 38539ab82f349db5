import type { AnyActorRef } from 'xstate';

const NONE: readonly never[] = Object.freeze([]);

type Child = {
  src?: unknown;
  systemId?: unknown;
  _syncSnapshot?: unknown;
  getPersistedSnapshot(): unknown;
};

type Persistable = {
  logic?: { getPersistedSnapshot?: (snapshot: unknown) => unknown };
  getSnapshot(): unknown;
  getPersistedSnapshot(): unknown;
};

/** The fields of a machine snapshot that XState leaves out of, or builds anew in, its persisted form. */
const NOT_COPIED = new Set([
  '_nodes',
  'tags',
  'machine',
  'children',
  'context',
  'can',
  'hasTag',
  'matches',
  'getMeta',
  'toJSON',
]);

/**
 * `job.getPersistedSnapshot()`, without XState walking the history and error lists in search of actor
 * references: they are phasekit's own plain records (no actor can be in them), and a job's history is its
 * longest list. The result is equal to XState's, key for key, with those two lists as the very arrays of the
 * context (XState keeps them too when it finds no actor in them).
 *
 * In the common case (no actor reference in the rest of the context, no history state) it is built here in one
 * pass, as XState builds it: the snapshot's own fields but its methods and internals, then the context as it is
 * (XState keeps the very object when it holds no actor), the children's persisted forms, and an empty
 * `historyValue`. That was a tenth of a boundary checkpoint: XState's object rest over the snapshot's fifteen
 * fields, and two more copies of the snapshot and its context around it. Anything else goes through XState.
 */
export function persistedSnapshot(job: AnyActorRef): unknown {
  const actor = job as unknown as Persistable;
  const snapshot = actor.getSnapshot() as
    | { context?: Record<string, unknown>; children?: Record<string, Child>; historyValue?: unknown }
    | undefined;
  const context = snapshot?.context;
  const persist = actor.logic?.getPersistedSnapshot;
  if (!persist || !context || !Array.isArray(context.history) || !Array.isArray(context.errors)) {
    return actor.getPersistedSnapshot();
  }
  if (isEmptyRecord(snapshot.historyValue) && !holdsActor(context, true)) {
    return sameAsXState(snapshot as Record<string, unknown>, context, snapshot.children);
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

/** The persisted form of a snapshot whose context holds no actor and whose `historyValue` is empty. */
function sameAsXState(
  snapshot: Record<string, unknown>,
  context: Record<string, unknown>,
  children: Record<string, Child> | undefined,
): Record<string, unknown> {
  const persisted: Record<string, unknown> = {};
  for (const key in snapshot) {
    if (Object.hasOwn(snapshot, key) && !NOT_COPIED.has(key)) persisted[key] = snapshot[key];
  }
  persisted.context = context;
  const childrenJson: Record<string, unknown> = {};
  for (const id in children) {
    const child = children[id];
    childrenJson[id] = {
      snapshot: child.getPersistedSnapshot(),
      src: child.src,
      systemId: child.systemId,
      syncSnapshot: child._syncSnapshot,
    };
  }
  persisted.children = childrenJson;
  persisted.historyValue = {};
  return persisted;
}

/** A plain `{}`-like object with no enumerable key (what XState persists as `{}`). */
function isEmptyRecord(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  for (const _ in value) return false;
  return true;
}

/**
 * True when XState would find an actor reference in `part` (an object with `sessionId`, `send` and `ref`, at
 * any depth of enumerable keys): then it persists a copy, and the copy is left to it. At the context's top
 * level (`top`), the history and error lists are skipped (phasekit's own records).
 */
function holdsActor(part: object, top: boolean): boolean {
  for (const key in part) {
    if (top && (key === 'history' || key === 'errors')) continue;
    const value = (part as Record<string, unknown>)[key];
    if (!value || typeof value !== 'object') continue;
    if ('sessionId' in value && 'send' in value && 'ref' in value) return true;
    if (holdsActor(value, false)) return true;
  }
  return false;
}
