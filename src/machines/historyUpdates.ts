import type { ErrorRecord, PhaseExecution, PhaseStatus } from '../phases/types.js';

/**
 * History entries and error records are frozen when they enter the machine's context: they are never changed
 * in place (every update makes a new entry), and a frozen entry's checkpoint bytes are encoded once and reused
 * by every later checkpoint (`encodeBody`).
 */
function freeze<T extends object>(value: T): T {
  return Object.freeze(value);
}

/** A fresh history: every phase pending. */
export function initialHistory(phases: readonly string[]): PhaseExecution[] {
  return phases.map((phase) =>
    freeze({
      phase,
      status: 'pending',
      startedAt: null,
      completedAt: null,
      attempts: 0,
      error: null,
    }),
  );
}

/** A copy of `history` with the entries of `phases` changed by `change`. */
export function updateHistory(
  history: readonly PhaseExecution[],
  phases: readonly string[],
  change: (entry: PhaseExecution) => PhaseExecution,
): PhaseExecution[] {
  if (phases.length === 0) return history as PhaseExecution[];
  const copy = history.slice();
  for (let i = 0; i < copy.length; i++) {
    const entry = copy[i];
    if (phases.length === 1 ? entry.phase === phases[0] : phases.includes(entry.phase)) {
      copy[i] = freeze(change(entry));
    }
  }
  return copy;
}

/**
 * {@link updateHistory} for phases whose places in `history` are known (`at[k]` for `phases[k]`): no search.
 * Falls back to the search when an entry is not where it was said to be.
 */
export function updateHistoryAt(
  history: readonly PhaseExecution[],
  at: readonly number[],
  phases: readonly string[],
  change: (entry: PhaseExecution) => PhaseExecution,
): PhaseExecution[] {
  for (let k = 0; k < at.length; k++) {
    if (history[at[k]]?.phase !== phases[k]) return updateHistory(history, phases, change);
  }
  const copy = history.slice();
  for (const i of at) copy[i] = freeze(change(copy[i]));
  return copy;
}

/** An error record as it enters the context: frozen (its `details`, the phase's own object, are left alone). */
export function keptRecord(record: ErrorRecord): ErrorRecord {
  return freeze(record);
}

/**
 * Frozen copies of the entries of a history or error list restored from a checkpoint, so their bytes too are
 * encoded once. Copies, not the entries themselves: a migration may have handed the same objects to the state or
 * taken them from the app, and those stay theirs to change. Returns a new list (anything else as it is).
 */
export function freezeRestored<T>(list: T[] | undefined): T[] | undefined {
  if (!Array.isArray(list)) return list;
  return list.map((item) => {
    if (typeof item !== 'object' || item === null || Object.getPrototypeOf(item) !== Object.prototype)
      return item;
    const copy = frozenRecord(item as Record<string, unknown>);
    const error = copy.error;
    if (typeof error !== 'object' || error === null || Object.getPrototypeOf(error) !== Object.prototype) {
      return Object.freeze(copy) as T;
    }
    return Object.freeze({
      ...copy,
      error: Object.freeze(frozenRecord(error as Record<string, unknown>)),
    }) as T;
  });
}

/** A copy of `record` whose plain `details`, if any, is a frozen copy (not frozen itself). */
function frozenRecord(record: Record<string, unknown>): Record<string, unknown> {
  const details = record.details;
  if (
    typeof details !== 'object' ||
    details === null ||
    Object.getPrototypeOf(details) !== Object.prototype
  ) {
    return { ...record };
  }
  return { ...record, details: Object.freeze({ ...details }) };
}

/** Mark a phase running and count the attempt. */
export function started(entry: PhaseExecution, at: number | null): PhaseExecution {
  return {
    ...entry,
    status: 'running',
    attempts: entry.attempts + 1,
    startedAt: at ?? entry.startedAt,
    error: null,
  };
}

/** Mark a phase ended with `status`. */
export function ended(
  entry: PhaseExecution,
  status: PhaseStatus,
  at: number | null,
  error: ErrorRecord | null = entry.error,
): PhaseExecution {
  return { ...entry, status, completedAt: at ?? entry.completedAt, error };
}
