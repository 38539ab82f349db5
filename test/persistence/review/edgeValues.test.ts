import { Decoder, Encoder } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { encodeBody } from '../../../src/persistence/encodeBody.js';
import { stateCodec } from '../../../src/persistence/stateCodec.js';

/** phasekit/1 bodies before the cache: one encoder over the whole body. */
const reference = new Encoder({ ignoreUndefined: true, extensionCodec: stateCodec, maxDepth: 1000 });
const decoder = new Decoder({ extensionCodec: stateCodec });

const deepFreeze = <T>(value: T): T => {
  // A typed array with elements cannot be frozen: it stays loose inside a frozen entry.
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value) && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
};

/** `n` bytes counting up from 0, modulo 256. */
function bytesOf(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => i & 0xff);
}

/** An object of `n` keys, the last one holding a list (so that what follows a moved map's header is checked). */
function keyed(n: number): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) map[`k${i}`] = i;
  map[`k${n - 1}`] = [n, 'last'];
  return map;
}

// biome-ignore lint/suspicious/noSparseArray: a sparse array is the point
const sparse = [1, , 3];
/** Values at the edges of the hand-written MessagePack: each goes in a frozen entry, a loose one and the state. */
const edges: [string, unknown][] = [
  ['-0', -0],
  ['NaN', Number.NaN],
  ['Infinity', Number.NEGATIVE_INFINITY],
  ['2^53 + 2 (a number, not safe)', 2 ** 53 + 2],
  ['2^32 (safe, past 32 bits)', 2 ** 32],
  ['-(2^31) - 1', -(2 ** 31) - 1],
  ['2^32 - 1 (the last uint 32)', 2 ** 32 - 1],
  ['-(2^31) (the last int 32)', -(2 ** 31)],
  ['a timestamp in ms (uint 64)', 1_796_303_502_734],
  ['-(a timestamp in ms) (int 64)', -1_796_303_502_734],
  ['2^53 - 1', 2 ** 53 - 1],
  ['-(2^53 - 1)', -(2 ** 53 - 1)],
  ['-(2^32) (an exact high word)', -(2 ** 32)],
  ['-(2^32) - 1', -(2 ** 32) - 1],
  ['a float that looks like an int', 1e21],
  ['0.1', 0.1],
  ['lone high surrogate', 'a\ud800b'],
  ['lone low surrogate at the end', 'ab\udc00'],
  ['Latin-1', 'é'.repeat(40)],
  ['ASCII of 65536', 'a'.repeat(65536)],
  ['a map of 15 keys (the last fix form)', keyed(15)],
  ['a map of 16 keys (map 16)', keyed(16)],
  ['a map of 65,535 keys (the last map 16)', keyed(65_535)],
  ['a map of 65,536 keys (map 32)', keyed(65_536)],
  ['a map of 16 keys, some undefined (counted as written)', { ...keyed(17), k3: undefined }],
  ['an empty Uint8Array', new Uint8Array(0)],
  ['a Uint8Array of 255 bytes (the last bin 8)', bytesOf(255)],
  ['a Uint8Array of 256 bytes (bin 16)', bytesOf(256)],
  ['a Uint8Array of 65,535 bytes (the last bin 16)', bytesOf(65_535)],
  ['a Uint8Array of 65,536 bytes (bin 32)', bytesOf(65_536)],
  ['a view into a larger buffer', bytesOf(1000).subarray(100, 400)],
  ['a Buffer', Buffer.from('a Buffer is a Uint8Array')],
  ['a Uint8Array with a property of its own', Object.assign(bytesOf(30), { extra: 1 })],
  ['sparse array', sparse],
  ['undefined in an array', [undefined, 1]],
  ['undefined in an object', { a: undefined, b: 1 }],
  ['Date', new Date(1234)],
  ['an invalid Date', new Date(Number.NaN)],
  ['BigInt', 2n ** 70n],
  ['Map', new Map([[1, 'x']])],
];

const entry = (i: number, value: unknown) => ({
  phase: `p${i}`,
  status: 'completed',
  startedAt: i,
  completedAt: null,
  attempts: 1,
  error: { kind: 'nonFatal', message: 'm', at: 0, details: { value } },
});

describe('checkpoint bodies with edge values', () => {
  it.each(edges)('are the bytes of one encoder, checkpoint after checkpoint: %s', (name, value) => {
    const jobId = `edge-${name}`;
    const frozen = deepFreeze(entry(0, value));
    let history: unknown[] = [frozen, entry(1, value), deepFreeze(entry(2, 7))];
    for (let round = 0; round < 3; round++) {
      const body = {
        jobId,
        machine: { status: 'active', context: { history, errors: [frozen], interrupt: null } },
        state: { value, list: [value, value] },
      };
      const bytes = encodeBody(body);
      expect(Buffer.from(bytes).equals(Buffer.from(reference.encode(body)))).toBe(true);
      expect(decoder.decode(bytes)).toEqual(decoder.decode(reference.encode(body)));
      // The next checkpoint: one entry replaced, the frozen ones kept.
      history = [history[0], entry(1, round), history[2], deepFreeze(entry(3 + round, value))];
    }
  });

  it('writes maps of the body, the machine and the context of 16 keys and more as one encoder does', () => {
    const history = [deepFreeze(entry(0, 1)), entry(1, 2)];
    const body = {
      jobId: 'wide',
      ...keyed(16),
      machine: { status: 'active', ...keyed(20), context: { history, errors: [], ...keyed(16) } },
    };
    for (let round = 0; round < 2; round++) {
      expect(Buffer.from(encodeBody(body)).equals(Buffer.from(reference.encode(body)))).toBe(true);
    }
  });

  it('refuses an own __proto__ key inside a frozen entry, as one encoder does', () => {
    const poisoned = deepFreeze(JSON.parse('{"phase":"p","__proto__":{"x":1}}'));
    const body = { jobId: 'proto', machine: { context: { history: [poisoned] } } };
    let refused: unknown;
    try {
      reference.encode(body);
    } catch (error) {
      refused = error;
    }
    if (refused) expect(() => encodeBody(body)).toThrow();
    else expect(Buffer.from(encodeBody(body)).equals(Buffer.from(reference.encode(body)))).toBe(true);
  });
});
