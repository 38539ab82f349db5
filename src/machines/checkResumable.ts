import { decodeEnvelope } from '../persistence/decodeEnvelope.js';
import type { JobStatus, SnapshotStore } from '../persistence/types.js';
import type { JobDefinition } from '../phases/defineJob.js';
import { toError } from '../phases/toError.js';
import { reconcilePhases } from './reconcilePhases.js';

/** Whether one stored, unfinished job can be resumed by the current definitions. */
export interface ResumableCheck {
  readonly id: string;
  readonly name: string;
  readonly status: JobStatus;
  /** Job version that wrote the checkpoint. */
  readonly version: number;
  readonly ok: boolean;
  /** Why not, as the error resuming would raise says it. */
  readonly reason?: string;
}

/**
 * A deploy-time check: for each unfinished job in `store` (queued, running, paused), whether the given job
 * definitions can resume it — the definition exists, the checkpoint decodes, its version migrates, and its phase
 * list fits the definition's — and if not, why. Nothing is resumed or written.
 *
 * @example
 * const checks = await checkResumable([indexerJob, copyJob], store);
 * for (const c of checks.filter((c) => !c.ok)) console.error(`${c.id} (${c.name}): ${c.reason}`);
 */
export async function checkResumable(
  definitions: readonly JobDefinition[] | Readonly<Record<string, JobDefinition>>,
  store: SnapshotStore,
): Promise<ResumableCheck[]> {
  const byName = new Map<string, JobDefinition>(
    (Array.isArray(definitions) ? definitions : Object.values(definitions)).map((d) => [d.name, d]),
  );
  const records = await store.list({ status: ['queued', 'running', 'paused'] });
  const checks: ResumableCheck[] = [];
  for (const record of records) {
    const base = { id: record.id, name: record.name, status: record.status, version: record.version };
    const definition = byName.get(record.name);
    if (!definition) {
      checks.push({
        ...base,
        ok: false,
        reason: `no job definition named "${record.name}" is registered (known: ${[...byName.keys()].join(', ') || 'none'}).`,
      });
      continue;
    }
    try {
      const stored = await store.load(record.id);
      if (!stored) throw new Error('the checkpoint disappeared while checking.');
      const envelope = decodeEnvelope(stored.bytes, {
        name: definition.name,
        version: definition.version,
        migrations: definition.migrations,
        jobId: record.id,
      });
      reconcilePhases(envelope, definition, envelope.position !== undefined);
      checks.push({ ...base, ok: true });
    } catch (error) {
      checks.push({ ...base, ok: false, reason: toError(error).message });
    }
  }
  return checks;
}
