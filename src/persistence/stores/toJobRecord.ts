import type { JobMeta, JobRecord } from '../types.js';

/**
 * The record a store keeps for a save of `meta`, in one normal form shared by every store: `phase` and
 * `error` are `null` when absent, `input` is left out when `undefined`, and `createdAt` comes from the job's
 * first save. The record is a new object; its `input` is `meta.input` itself, or `copyInput(meta.input)` for a
 * store that keeps its own copy.
 */
export function toJobRecord(
  id: string,
  meta: JobMeta,
  createdAt: number,
  copyInput?: (input: unknown) => unknown,
): JobRecord {
  const record: { -readonly [K in keyof JobRecord]: JobRecord[K] } = {
    id,
    name: meta.name,
    version: meta.version,
    status: meta.status,
    phase: meta.phase ?? null,
    percent: meta.percent,
    errorsCount: meta.errorsCount,
    error: meta.error ?? null,
    createdAt,
    updatedAt: meta.updatedAt,
  };
  if (meta.input !== undefined) record.input = copyInput ? copyInput(meta.input) : meta.input;
  return record;
}
