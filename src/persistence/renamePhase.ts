import type { MigratingCheckpoint } from '../phases/types.js';

/**
 * For a migration: the checkpoint with phase `from` renamed to `to` — its history entry and, when the job stands
 * there, its position. Pure; returns a new checkpoint.
 *
 * @example
 * defineJob({ name: 'backup', version: 2, phases: [discover, copy],
 *   migrations: { 1: (c) => renamePhase(c, 'scan', 'discover') } });
 */
export function renamePhase<C extends MigratingCheckpoint>(checkpoint: C, from: string, to: string): C {
  return {
    ...checkpoint,
    history: checkpoint.history.map((entry) => (entry.phase === from ? { ...entry, phase: to } : entry)),
    position:
      checkpoint.position.phase === from ? { ...checkpoint.position, phase: to } : checkpoint.position,
  };
}
