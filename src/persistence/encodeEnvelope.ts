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

/** The outer map up to the body's bytes: the body itself follows it. */
function outerHead(body: Uint8Array): Uint8Array {
  const crc = uintBytes(crc32(body));
  const n = body.byteLength;
  const binHead =
    n < 0x100
      ? [0xc4, n]
      : n < 0x10000
        ? [0xc5, n >>> 8, n & 0xff]
        : [0xc6, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  const head = new Uint8Array(OUTER_HEAD.length + crc.length + BODY_KEY.length + binHead.length);
  let pos = 0;
  for (const part of [OUTER_HEAD, crc, BODY_KEY, binHead]) {
    head.set(part, pos);
    pos += part.length;
  }
  return head;
}

/** An unsigned 32-bit integer in MessagePack's shortest form (positive fixint, uint8, uint16, uint32). */
function uintBytes(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x100) return [0xcc, n];
  if (n < 0x10000) return [0xcd, n >>> 8, n & 0xff];
  return [0xce, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
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
