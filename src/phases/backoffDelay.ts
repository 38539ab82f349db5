import type { Backoff } from './types.js';

/** Delay in ms before retry number `retry` (1 = the first retry). Pure. */
export function backoffDelay(backoff: Backoff | undefined, retry: number): number {
  const initial = backoff?.initialMs ?? 1000;
  const factor = backoff?.factor ?? 2;
  const max = backoff?.maxMs ?? 60_000;
  return Math.min(max, initial * factor ** Math.max(0, retry - 1));
}
