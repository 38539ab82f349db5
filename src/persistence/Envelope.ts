import type { CheckpointPosition, ErrorRecord, PhaseExecution } from '../phases/types.js';

/** The checkpoint format this code writes. */
export const ENVELOPE_FORMAT = 'phasekit/1';

/** Progress figures kept in a checkpoint so a resumed job reports where it was. */
export interface EnvelopeProgress {
  readonly phase: string | null;
  readonly phasePercent: number;
  readonly overallPercent: number;
  readonly completed: number;
  readonly total: number;
  readonly bytesCompleted?: number;
  readonly bytesTotal?: number;
  readonly message: string | null;
  /** Milliseconds the job has run, summed over all its runs. */
  readonly elapsedMs: number;
}

/**
 * A checkpoint, before encoding. `machine` is XState's persisted snapshot of the job machine; `state` is the
 * job's own state `S`. Both must be MessagePack-able (plain objects, arrays, strings, numbers, booleans,
 * null, Uint8Array, Date).
 */
export interface Envelope<S = unknown> {
  readonly format: typeof ENVELOPE_FORMAT;
  readonly job: { readonly name: string; readonly version: number; readonly phases: readonly string[] };
  readonly jobId: string;
  readonly input: unknown;
  readonly machine: unknown;
  readonly state: S;
  /** State at the start of the current phase, kept only for phases whose recovery is `restart-phase`. */
  readonly phaseStartState?: S;
  readonly history: readonly PhaseExecution[];
  readonly errors: readonly ErrorRecord[];
  readonly progress: EnvelopeProgress;
  /** Epoch ms from the runtime's clock. */
  readonly createdAt: number;
  /**
   * Where migrations moved the job (never written: set by `decodeEnvelope` when a migration ran and returned a
   * position, or kept from the checkpoint).
   */
  readonly position?: CheckpointPosition;
}
