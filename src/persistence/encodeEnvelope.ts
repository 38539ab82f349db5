import { crc32 } from './crc32.js';
import { ENVELOPE_FORMAT, type Envelope } from './Envelope.js';
import { encodeBodyWith } from './encodeBody.js';
import { findUnencodable } from './findUnencodable.js';
import { SnapshotEncodeError } from './SnapshotEncodeError.js';

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
  try {
    // History and errors are the machine context's own lists: store them once, inside `machine`.
    const context = (envelope.machine as { context?: { history?: unknown; errors?: unknown } } | null)
      ?.context;
    return encodeBodyWith(
      {
        ...envelope,
        format: ENVELOPE_FORMAT,
        machine: withoutDerivedOutput(envelope.machine),
        history: context?.history === envelope.history ? undefined : envelope.history,
        errors: context?.errors === envelope.errors ? undefined : envelope.errors,
      },
      outerHead,
    );
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
}

const ascii = (text: string) => new TextEncoder().encode(text);

/** `{ format: 'phasekit/1', crc32, body }` as MessagePack writes it: fixmap 3, fixstr keys, uint32, bin. */
const OUTER_HEAD = Uint8Array.from([
  0x83,
  0xa6,
  ...ascii('format'),
  0xa0 + ENVELOPE_FORMAT.length,
  ...ascii(ENVELOPE_FORMAT),
  0xa5,
  ...ascii('crc32'),
]);
const BODY_KEY = Uint8Array.from([0xa4, ...ascii('body')]);

/** Where {@link outerHead} writes: the body's encoder copies the head out of it at once. */
const HEAD = new Uint8Array(OUTER_HEAD.length + 5 + BODY_KEY.length + 5);
HEAD.set(OUTER_HEAD);

/** The outer map up to the body's bytes: the body itself follows it. */
function outerHead(body: Uint8Array): Uint8Array {
  const h = HEAD;
  let pos = putUint(h, OUTER_HEAD.length, crc32(body));
  h.set(BODY_KEY, pos);
  pos += BODY_KEY.length;
  const n = body.byteLength;
  if (n < 0x100) {
    h[pos++] = 0xc4;
    h[pos++] = n;
  } else if (n < 0x10000) {
    h[pos++] = 0xc5;
    h[pos++] = n >>> 8;
    h[pos++] = n & 0xff;
  } else pos = putWord(h, pos, 0xc6, n);
  return h.subarray(0, pos);
}

/**
 * An unsigned 32-bit integer in MessagePack's shortest form (positive fixint, uint8, uint16, uint32) at `pos`;
 * returns the end.
 */
function putUint(h: Uint8Array, pos: number, n: number): number {
  if (n < 0x80) h[pos++] = n;
  else if (n < 0x100) {
    h[pos++] = 0xcc;
    h[pos++] = n;
  } else if (n < 0x10000) {
    h[pos++] = 0xcd;
    h[pos++] = n >>> 8;
    h[pos++] = n & 0xff;
  } else return putWord(h, pos, 0xce, n);
  return pos;
}

/** A tag byte and a big-endian 32-bit word at `pos`; returns the end. */
function putWord(h: Uint8Array, pos: number, tag: number, n: number): number {
  h[pos] = tag;
  h[pos + 1] = n >>> 24;
  h[pos + 2] = (n >>> 16) & 0xff;
  h[pos + 3] = (n >>> 8) & 0xff;
  h[pos + 4] = n & 0xff;
  return pos + 5;
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
