import type { PhaseErrorKind } from './PhaseError.js';
import { toError } from './toError.js';
import type { ErrorRecord } from './types.js';

/** The kind of any thrown value: a `PhaseError`'s own kind (also on plain objects), else `fatal`. */
export function errorKind(value: unknown): PhaseErrorKind {
  const kind = value && typeof value === 'object' ? (value as { kind?: unknown }).kind : undefined;
  return kind === 'nonFatal' || kind === 'paused' || kind === 'cancelled' || kind === 'fatal'
    ? kind
    : 'fatal';
}

/** A serializable record of any thrown value, for history and checkpoints. */
export function errorRecord(value: unknown, phase: string | null, at: number): ErrorRecord {
  if (
    value &&
    typeof value === 'object' &&
    !(value instanceof Error) &&
    'message' in value &&
    'kind' in value
  ) {
    // Already a record (e.g. restored from a checkpoint, or a scripted test outcome).
    const v = value as Partial<ErrorRecord>;
    return {
      kind: errorKind(v),
      name: typeof v.name === 'string' ? v.name : 'Error',
      message: String(v.message),
      phase: v.phase ?? phase,
      at: typeof v.at === 'number' ? v.at : at,
      ...(v.details ? { details: v.details } : {}),
    };
  }
  const error = toError(value);
  const details = (error as { details?: Record<string, unknown> }).details;
  const code = (error as { code?: unknown }).code;
  return {
    kind: errorKind(error),
    name: error.name,
    message: error.message,
    phase,
    at,
    ...(details ? { details } : typeof code === 'string' ? { details: { code } } : {}),
  };
}
