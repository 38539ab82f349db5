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
 * Freeze, in place, the entries of a history or error list restored from a checkpoint (plain data decoded from
 * bytes, nobody else's), so their bytes too are encoded once. Returns the list.
 */
export function freezeRestored<T>(list: T[] | undefined): T[] | undefined {
  if (!Array.isArray(list)) return list;
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue;
    const error = (item as { error?: unknown }).error;
    if (typeof error === 'object' && error !== null) freezeDetails(error);
    freezeDetails(item);
  }
  return list;
}

function freezeDetails(record: object): void {
  const details = (record as { details?: unknown }).details;
  if (typeof details === 'object' && details !== null) Object.freeze(details);
  Object.freeze(record);
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
