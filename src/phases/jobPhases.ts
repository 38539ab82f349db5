import { phase } from './phase.js';
import type { JobPhaseFactory } from './types.js';

/**
 * A `phase` factory bound to a job's state, input and deps, for phases written in their own modules: give the
 * types once, and every phase built with it has a typed `ctx` and checked SkipTo targets (the same factory
 * `defineJob({ phases: (phase) => [...] })` hands you).
 *
 * @example
 * // backup/phase.ts
 * export const phase = jobPhases<BackupState, BackupInput, BackupDeps>();
 * // backup/phases/copy.ts
 * export const copy = phase({ name: 'copy', async execute(ctx) { ctx.state.copied++; return Continue; } });
 */
export function jobPhases<S, I = unknown, D = unknown>(): JobPhaseFactory<S, I, D> {
  return phase as JobPhaseFactory<S, I, D>;
}
