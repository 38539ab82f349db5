import { unpackEnvelope } from './unpackEnvelope.js';

/** Who a checkpoint belongs to, as {@link peekEnvelope} reads it. */
export interface EnvelopeIdentity {
  /** Name of the job definition that wrote the checkpoint. */
  readonly name: string;
  /** Version of that job definition. */
  readonly version: number;
  readonly jobId: string;
}

/**
 * Read which job a checkpoint belongs to, without checking its version against any code: the CLI's
 * `resume <id>` uses it to find the job definition to resume with. The format and checksum are still checked.
 *
 * @throws {SnapshotCorruptError} when the bytes are not an intact phasekit checkpoint.
 *
 * @example
 * ```ts
 * const stored = await store.load(id);
 * const { name } = peekEnvelope(stored.bytes);
 * const job = registry.get(name);
 * ```
 */
export function peekEnvelope(bytes: Uint8Array): EnvelopeIdentity {
  const envelope = unpackEnvelope(bytes);
  return { name: envelope.job.name, version: envelope.job.version, jobId: envelope.jobId };
}
