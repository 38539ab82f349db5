import { decode, encode, ExtensionCodec } from '@msgpack/msgpack';

/** MessagePack extension type numbers phasekit writes (application range 0..127). Append only. */
export const EXT = { refuse: 0, map: 1, set: 2, bigint: 3, typedArray: 4 } as const;

/** Typed arrays kept with their type (a `Uint8Array` is MessagePack's own binary and needs no extension). */
const TYPED_ARRAYS = {
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

/**
 * Why `value` cannot be kept in a checkpoint, or `undefined` when it can (at this level: children are checked
 * as they are encoded). Plain objects, arrays, strings, numbers, booleans, null, `Uint8Array`, `Date`, `Map`,
 * `Set`, `BigInt` and typed arrays can; functions, symbols, class instances and own `__proto__` keys cannot.
 */
export function unencodableReason(value: unknown): string | undefined {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value) || value instanceof Date || value instanceof Map || value instanceof Set)
    return undefined;
  if (ArrayBuffer.isView(value)) {
    return value instanceof Uint8Array || typedArrayName(value) !== undefined || value instanceof DataView
      ? undefined
      : 'a binary view of an unknown type';
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name || 'anonymous class';
    return `an instance of ${name} (only plain objects keep their shape)`;
  }
  if (Object.hasOwn(value, '__proto__')) return 'an object with an own "__proto__" key';
  return undefined;
}

function typedArrayName(value: ArrayBufferView): TypedArrayName | undefined {
  for (const name of Object.keys(TYPED_ARRAYS) as TypedArrayName[]) {
    if (value instanceof TYPED_ARRAYS[name]) return name;
  }
  return undefined;
}

/**
 * The codec of checkpoint bodies: `Map`, `Set`, `BigInt` and typed arrays round-trip exactly (as extension types
 * 1–4; `Date` uses MessagePack's own timestamp), and anything else MessagePack would silently reshape is refused
 * with a reason (extension 0 is never written).
 */
export const stateCodec: ExtensionCodec = new ExtensionCodec();

const nested = () => ({
  extensionCodec: stateCodec,
  ignoreUndefined: true,
  maxDepth: 1000,
  useBigInt64: false,
});

stateCodec.register({
  type: EXT.refuse,
  encode(value: unknown): Uint8Array | null {
    if (value instanceof Map || value instanceof Set || typeof value === 'bigint') return null;
    if (ArrayBuffer.isView(value) && !(value instanceof Uint8Array)) return null;
    const reason = unencodableReason(value);
    if (reason !== undefined) throw new TypeError(`${reason} cannot be kept in a checkpoint`);
    return null;
  },
  decode() {
    throw new TypeError('phasekit never writes MessagePack extension type 0');
  },
});
stateCodec.register({
  type: EXT.map,
  encode: (value: unknown) => (value instanceof Map ? encode([...value], nested()) : null),
  decode: (data: Uint8Array) => new Map(decode(data, nested()) as [unknown, unknown][]),
});
stateCodec.register({
  type: EXT.set,
  encode: (value: unknown) => (value instanceof Set ? encode([...value], nested()) : null),
  decode: (data: Uint8Array) => new Set(decode(data, nested()) as unknown[]),
});
stateCodec.register({
  type: EXT.bigint,
  encode: (value: unknown) => (typeof value === 'bigint' ? encode(value.toString()) : null),
  decode: (data: Uint8Array) => BigInt(decode(data) as string),
});
stateCodec.register({
  type: EXT.typedArray,
  encode(value: unknown): Uint8Array | null {
    if (!ArrayBuffer.isView(value) || value instanceof Uint8Array) return null;
    const name = value instanceof DataView ? 'DataView' : typedArrayName(value);
    if (name === undefined) return null;
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return encode([name, bytes]);
  },
  decode(data: Uint8Array) {
    const [name, bytes] = decode(data) as [string, Uint8Array];
    // Copy: the decoded bytes are a view into the checkpoint buffer and may be misaligned for the element size.
    const buffer = bytes.slice().buffer;
    if (name === 'DataView') return new DataView(buffer);
    const Ctor = TYPED_ARRAYS[name as TypedArrayName];
    if (!Ctor) throw new TypeError(`unknown typed array ${JSON.stringify(name)} in a checkpoint`);
    return new Ctor(buffer);
  },
});
