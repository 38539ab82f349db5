import { Decoder } from '@msgpack/msgpack';
import { crc32 } from './crc32.js';
import { ENVELOPE_FORMAT, type Envelope } from './Envelope.js';
import { SnapshotCorruptError } from './SnapshotCorruptError.js';
import { stateCodec } from './stateCodec.js';

/**
 * The outer map holds three short keys, one short string, one integer and the body: tight limits make hostile
 * length prefixes fail at once instead of allocating.
 */
const outerDecoder = new Decoder({
  maxStrLength: 256,
  maxArrayLength: 16,
  maxMapLength: 16,
  maxExtLength: 16,
});
const bodyDecoder = new Decoder({ extensionCodec: stateCodec });

/**
 * Check and decode checkpoint bytes, without looking at the job version: the outer map, its format, the
 * checksum, then the body and the shape of its top-level fields. Shared by `decodeEnvelope` and
 * `peekEnvelope`; not part of the public surface.
 *
 * @throws {SnapshotCorruptError} for any bytes that are not an intact phasekit/1 checkpoint. Nothing else.
 */
export function unpackEnvelope(bytes: Uint8Array, jobId?: string): Envelope {
  const corrupt = (message: string, cause?: unknown) =>
    new SnapshotCorruptError(
      `${jobId === undefined ? 'Checkpoint' : `Checkpoint of job ${jobId}`}: ${message}`,
      {
        jobId,
        cause,
      },
    );
  if (!(bytes instanceof Uint8Array)) throw corrupt('expected bytes (a Uint8Array)');
  // Binary values decode as views of the input: view a Buffer as a plain Uint8Array so they come out as one.
  if (bytes.constructor !== Uint8Array)
    bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  let outer: unknown;
  try {
    outer = outerDecoder.decode(bytes);
  } catch (error) {
    throw corrupt('truncated or not a phasekit checkpoint (the bytes are not a MessagePack map).', error);
  }
  if (!isRecord(outer) || !('format' in outer)) {
    throw corrupt('truncated or not a phasekit checkpoint (no format field).');
  }
  if (outer.format !== ENVELOPE_FORMAT) {
    throw corrupt(
      `unknown format ${JSON.stringify(outer.format)}; this code reads ${JSON.stringify(ENVELOPE_FORMAT)}. ` +
        'A checkpoint written by a newer phasekit needs that phasekit to resume it.',
    );
  }
  const { body, crc32: stored } = outer;
  if (!(body instanceof Uint8Array) || typeof stored !== 'number') {
    throw corrupt('truncated or not a phasekit checkpoint (no body or checksum).');
  }
  const actual = crc32(body);
  if (actual !== stored) {
    throw corrupt(
      `checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)}): the bytes were altered or ` +
        'damaged after they were written. Restore the checkpoint from a backup or run the job again.',
    );
  }

  let envelope: unknown;
  try {
    envelope = bodyDecoder.decode(body);
  } catch (error) {
    throw corrupt('the checksum matches but the body does not decode.', error);
  }
  restoreSharedLists(envelope);
  const problem = shapeProblem(envelope);
  if (problem !== undefined) throw corrupt(`malformed body: ${problem}.`);
  return envelope as Envelope;
}

/**
 * `encodeEnvelope` leaves out `history` and `errors` when they are the machine context's own (they are
 * stored once, inside `machine`); put them back.
 */
function restoreSharedLists(e: unknown): void {
  if (!isRecord(e)) return;
  const context = isRecord(e.machine) && isRecord(e.machine.context) ? e.machine.context : undefined;
  // An ended machine's output is its context's figures, stored once (see encodeEnvelope).
  if (context && isRecord(e.machine) && e.machine.outputFromContext === true) {
    const { outputFromContext: _, ...machine } = e.machine;
    e.machine = {
      ...machine,
      output: {
        status: context.status,
        output: context.output,
        history: context.history,
        errors: context.errors,
        errorCount: context.errorCount,
        failure: context.failure,
      },
    };
  }
  if (e.history === undefined) e.history = Array.isArray(context?.history) ? context.history : [];
  if (e.errors === undefined) e.errors = Array.isArray(context?.errors) ? context.errors : [];
}

function shapeProblem(e: unknown): string | undefined {
  if (!isRecord(e)) return 'not a map';
  if (e.format !== ENVELOPE_FORMAT) return `body format ${JSON.stringify(e.format)}`;
  const job = e.job;
  if (!isRecord(job)) return 'no job';
  if (typeof job.name !== 'string') return 'job.name is not a string';
  if (!Number.isSafeInteger(job.version)) return 'job.version is not an integer';
  if (!Array.isArray(job.phases) || !job.phases.every((p) => typeof p === 'string')) {
    return 'job.phases is not a list of names';
  }
  if (typeof e.jobId !== 'string') return 'jobId is not a string';
  if (!Array.isArray(e.history)) return 'history is not a list';
  if (!Array.isArray(e.errors)) return 'errors is not a list';
  if (!isRecord(e.progress)) return 'progress is not a map';
  if (typeof e.createdAt !== 'number') return 'createdAt is not a number';
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}
