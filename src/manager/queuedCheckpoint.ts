import { ENVELOPE_FORMAT } from '../persistence/Envelope.js';
import { encodeEnvelope } from '../persistence/encodeEnvelope.js';
import type { JobMeta } from '../persistence/types.js';
import type { JobDefinition } from '../phases/defineJob.js';

/**
 * The checkpoint of a job that has not started: its input and initial state, and no machine snapshot
 * (`machine: null`), which `resumeJob` reads as "start it now". Saving it makes a dispatched job durable
 * before it runs: any process holding the definition can start it later.
 *
 * @throws {SnapshotEncodeError} when the input or initial state cannot be kept in a checkpoint.
 */
export function queuedCheckpoint<S, I>(
  definition: JobDefinition<S, I, any, any>,
  jobId: string,
  input: I,
  now: number,
): { readonly bytes: Uint8Array; readonly meta: JobMeta } {
  const bytes = encodeEnvelope({
    format: ENVELOPE_FORMAT,
    job: {
      name: definition.name,
      version: definition.version,
      phases: definition.phases.map((info) => info.phase.name),
    },
    jobId,
    input,
    machine: null,
    state: definition.initialState(input),
    history: [],
    errors: [],
    progress: {
      phase: null,
      phasePercent: 0,
      overallPercent: 0,
      completed: 0,
      total: 0,
      message: null,
      elapsedMs: 0,
    },
    createdAt: now,
  });
  const meta: JobMeta = {
    name: definition.name,
    version: definition.version,
    status: 'queued',
    phase: null,
    percent: 0,
    errorsCount: 0,
    error: null,
    input,
    updatedAt: now,
  };
  return { bytes, meta };
}
