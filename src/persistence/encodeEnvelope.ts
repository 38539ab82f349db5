import { Encoder, ExtensionCodec, encode } from '@msgpack/msgpack';
import { crc32 } from './crc32.js';
import { ENVELOPE_FORMAT, type Envelope } from './Envelope.js';
import { SnapshotEncodeError } from './SnapshotEncodeError.js';

/**
 * Refuse, at encode time, values that would make a checkpoint wrong or unreadable later: MessagePack writes a
 * `Map` or a `Set` as an empty map, losing its contents without a word, and an own `__proto__` key (which
 * `JSON.parse` can create) is written but refused by the decoder, so the job could never resume. This codec
 * only ever refuses (returns `null` for everything else): it never writes an extension type.
 */
const strictCodec = new ExtensionCodec();
strictCodec.register({
  type: 0,
  encode(value: unknown): Uint8Array | null {
    if (value instanceof Map || value instanceof Set) {
      throw new TypeError(`a ${value instanceof Map ? 'Map' : 'Set'} cannot be kept in a checkpoint`);
    }
    if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
      throw new TypeError('an object with an own "__proto__" key cannot be kept in a checkpoint');
    }
    return null;
  },
  decode() {
    throw new TypeError('phasekit never writes MessagePack extension type 0');
  },
});

/**
 * How deeply values may nest. MessagePack's default (100) would refuse reasonable state trees once wrapped in
 * the envelope; the encoder recurses, so the bound stays well inside the default call stack.
 */
const MAX_DEPTH = 1000;

/** One encoder for every checkpoint: it keeps its buffer between calls (about a quarter faster). */
const bodyEncoder = new Encoder({ ignoreUndefined: true, extensionCodec: strictCodec, maxDepth: MAX_DEPTH });

/**
 * Encode a checkpoint to bytes.
 *
 * The bytes are a MessagePack map `{ format: 'phasekit/1', crc32, body }`, where `body` is the MessagePack
 * encoding of `envelope` and `crc32` its IEEE CRC-32: the format can be read before anything else, and any
 * change to the body is caught by {@link decodeEnvelope}. Keys whose value is `undefined` are dropped.
 *
 * @throws {SnapshotEncodeError} when the envelope holds a value MessagePack cannot keep (a function, a
 *   bigint, a `Map`, a `Set`, an own `__proto__` key) or nests deeper than 1000 levels. Class instances
 *   are written as plain objects of their own fields.
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
      history: context?.history === envelope.history ? undefined : envelope.history,
      errors: context?.errors === envelope.errors ? undefined : envelope.errors,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SnapshotEncodeError(
      `Cannot encode the checkpoint of job "${envelope.job?.name}" (id ${envelope.jobId}): ${reason}. ` +
        'Keep job state and input to plain objects, arrays, strings, numbers, booleans, null, Uint8Array ' +
        'and Date.',
      { jobId: envelope.jobId, cause: error },
    );
  }
  return encode({ format: ENVELOPE_FORMAT, crc32: crc32(body), body });
}
