import { Encoder, encode } from '@msgpack/msgpack';
import { crc32 } from './crc32.js';
import { ENVELOPE_FORMAT, type Envelope } from './Envelope.js';
import { findUnencodable } from './findUnencodable.js';
import { SnapshotEncodeError } from './SnapshotEncodeError.js';
import { stateCodec } from './stateCodec.js';

/**
 * How deeply values may nest. MessagePack's default (100) would refuse reasonable state trees once wrapped in
 * the envelope; the encoder recurses, so the bound stays well inside the default call stack.
 */
const MAX_DEPTH = 1000;

/** One encoder for every checkpoint: it keeps its buffer between calls (about a quarter faster). */
const bodyEncoder = new Encoder({ ignoreUndefined: true, extensionCodec: stateCodec, maxDepth: MAX_DEPTH });

/**
 * Encode a checkpoint to bytes.
 *
 * The bytes are a MessagePack map `{ format: 'phasekit/1', crc32, body }`, where `body` is the MessagePack
 * encoding of `envelope` and `crc32` its IEEE CRC-32: the format can be read before anything else, and any
 * change to the body is caught by {@link decodeEnvelope}. Keys whose value is `undefined` are dropped.
 *
 * `Map`, `Set`, `BigInt`, `Date` and typed arrays round-trip exactly (MessagePack extension types).
 *
 * @throws {SnapshotEncodeError} when the envelope holds a value a checkpoint cannot keep faithfully (a
 *   function, a symbol, a class instance, a cycle, an own `__proto__` key) or nests deeper than 1000 levels;
 *   the message names the path inside the envelope, e.g. `state.cache.get("x")`.
 *
 * @example
 * ```ts
 * const bytes = encodeEnvelope(envelope);
 * await store.save(envelope.jobId, bytes, meta);
 * ```
 */
export function encodeEnvelope(envelope: Envelope): Uint8Array {
  let body: Uint8Array;
  try {
    // History and errors are the machine context's own lists: store them once, inside `machine`.
    const context = (envelope.machine as { context?: { history?: unknown; errors?: unknown } } | null)
      ?.context;
    body = bodyEncoder.encode({
      ...envelope,
      format: ENVELOPE_FORMAT,
      machine: withoutDerivedOutput(envelope.machine),
      history: context?.history === envelope.history ? undefined : envelope.history,
      errors: context?.errors === envelope.errors ? undefined : envelope.errors,
    });
  } catch (error) {
    const place =
      findUnencodable(envelope.state, 'state') ??
      findUnencodable(envelope.input, 'input') ??
      findUnencodable(envelope.phaseStartState, 'phaseStartState') ??
      findUnencodable(envelope.machine, 'machine');
    const reason = place
      ? `${place.path} is ${place.reason}`
      : error instanceof Error
        ? error.message
        : String(error);
    throw new SnapshotEncodeError(
      `Cannot encode the checkpoint of job "${envelope.job?.name}" (id ${envelope.jobId}): ${reason}. ` +
        'Keep job state and input to plain data: objects, arrays, strings, numbers, booleans, null, Uint8Array, ' +
        'Date, Map, Set, BigInt and typed arrays.',
      { jobId: envelope.jobId, cause: error, ...(place ? { path: place.path } : {}) },
    );
  }
  return encode({ format: ENVELOPE_FORMAT, crc32: crc32(body), body });
}

/** The fields of an ended job machine's `output`, all taken from its context (see `compileJob`). */
const OUTPUT_FROM_CONTEXT = ['status', 'output', 'history', 'errors', 'errorCount', 'failure'] as const;

/**
 * An ended job machine's `output` repeats its context (the job's output, history and errors): store it once.
 * `unpackEnvelope` builds it again from the context. Left as is when it is not exactly that.
 */
function withoutDerivedOutput(machine: unknown): unknown {
  const m = machine as {
    status?: unknown;
    output?: Record<string, unknown>;
    context?: Record<string, unknown>;
  };
  if (m?.status !== 'done' || !m.output || !m.context) return machine;
  const output = m.output;
  const context = m.context;
  const derived =
    Object.keys(output).length === OUTPUT_FROM_CONTEXT.length &&
    OUTPUT_FROM_CONTEXT.every((key) => output[key] === context[key]);
  return derived ? { ...m, output: undefined, outputFromContext: true } : machine;
}
