import type { ErrorRecord, PhaseExecution, PhaseStatus } from '../phases/types.js';

/** A fresh history: every phase pending. */
export function initialHistory(phases: readonly string[]): PhaseExecution[] {
  return phases.map((phase) => ({
    phase,
    status: 'pending',
    startedAt: null,
    completedAt: null,
    attempts: 0,
    error: null,
  }));
}

/** A copy of `history` with the entries of `phases` changed by `change`. */
export function updateHistory(
  history: readonly PhaseExecution[],
  phases: readonly string[],
  change: (entry: PhaseExecution) => PhaseExecution,
): PhaseExecution[] {
  if (phases.length === 0) return history as PhaseExecution[];
  const names = new Set(phases);
  return history.map((entry) => (names.has(entry.phase) ? change(entry) : entry));
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
