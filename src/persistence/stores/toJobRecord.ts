import type { JobMeta, JobRecord } from '../types.js';

/**
 * The record a store keeps for a save of `meta`, in one normal form shared by every store: `phase` and
 * `error` are `null` when absent, `input` is left out when `undefined`, and `createdAt` comes from the job's
 * first save.
 */
export function toJobRecord(id: string, meta: JobMeta, createdAt: number): JobRecord {
  const record: JobRecord = {
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
  return meta.input === undefined ? record : { ...record, input: meta.input };
}
