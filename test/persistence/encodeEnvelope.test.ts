import { decode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/persistence/crc32.js';
import { decodeEnvelope } from '../../src/persistence/decodeEnvelope.js';
import { ENVELOPE_FORMAT } from '../../src/persistence/Envelope.js';
import { encodeEnvelope } from '../../src/persistence/encodeEnvelope.js';
import { SnapshotEncodeError } from '../../src/persistence/SnapshotEncodeError.js';
import { makeEnvelope } from './makeEnvelope.js';

const expectIndexer = { name: 'indexer', version: 1 };
const roundTrip = <S>(state: S) =>
  decodeEnvelope<S>(encodeEnvelope(makeEnvelope({ state })), expectIndexer).state;

describe('encodeEnvelope', () => {
  it('writes an outer map of format, crc32 and a body that is the envelope', () => {
    const envelope = makeEnvelope();
    const outer = decode(encodeEnvelope(envelope)) as { format: string; crc32: number; body: Uint8Array };
    expect(Object.keys(outer)).toEqual(['format', 'crc32', 'body']);
    expect(outer.format).toBe(ENVELOPE_FORMAT);
    expect(outer.crc32).toBe(crc32(outer.body));
    expect(decode(outer.body)).toEqual(envelope);
  });

  it('round-trips a whole envelope', () => {
    const envelope = makeEnvelope({ phaseStartState: { files: [], done: 0 } });
    expect(decodeEnvelope(encodeEnvelope(envelope), expectIndexer)).toEqual(envelope);
  });

  it('round-trips Uint8Array, Date, nested objects and big arrays', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => i % 256);
    expect(roundTrip({ hash: bytes })).toEqual({ hash: bytes });
    expect(roundTrip({ hash: bytes }).hash).toBeInstanceOf(Uint8Array);
    expect(roundTrip({ at: new Date(1_700_000_000_123) })).toEqual({ at: new Date(1_700_000_000_123) });

    let nested: Record<string, unknown> = { leaf: [1, 'two', null, true, 2.5, -7] };
    for (let i = 0; i < 900; i++) nested = { [`level${i}`]: nested, n: i };
    expect(roundTrip(nested)).toEqual(nested);

    const big = Array.from({ length: 100_000 }, (_, i) => ({ i, path: `/p/${i}.jpg`, ok: i % 3 === 0 }));
    expect(roundTrip(big)).toEqual(big);
  });

  it('decodes binary values as Uint8Array even from a Buffer', () => {
    const bytes = Buffer.from(encodeEnvelope(makeEnvelope({ state: { hash: Uint8Array.from([1, 2]) } })));
    const { hash } = decodeEnvelope<{ hash: Uint8Array }>(bytes, expectIndexer).state;
    expect(hash.constructor).toBe(Uint8Array);
    expect(Array.from(hash)).toEqual([1, 2]);
  });

  it('drops keys whose value is undefined', () => {
    const state = roundTrip({ kept: 1, dropped: undefined, inner: { gone: undefined, here: null } });
    expect(state).toStrictEqual({ kept: 1, inner: { here: null } });
    const decoded = decodeEnvelope(
      encodeEnvelope(makeEnvelope({ phaseStartState: undefined })),
      expectIndexer,
    );
    expect('phaseStartState' in decoded).toBe(false);
  });

  it('round-trips any JSON value, or refuses one holding an own __proto__ key (property)', () => {
    const hasProtoKey = (v: unknown): boolean =>
      typeof v === 'object' &&
      v !== null &&
      (Object.hasOwn(v, '__proto__') || Object.values(v).some(hasProtoKey));
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const attempt = () => encodeEnvelope(makeEnvelope({ state: value }));
        if (hasProtoKey(value)) {
          // fast-check generates such keys on purpose: the decoder would refuse them, so the encoder does.
          expect(attempt).toThrow(SnapshotEncodeError);
          return;
        }
        // JSON drops the sign of -0, as MessagePack's integer encoding does.
        expect(decodeEnvelope(attempt(), expectIndexer).state).toStrictEqual(
          JSON.parse(JSON.stringify(value)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('refuses state nested deeper than 1000 levels instead of overflowing the stack', () => {
    let nested: unknown = 1;
    for (let i = 0; i < 1001; i++) nested = [nested];
    expect(() => encodeEnvelope(makeEnvelope({ state: nested }))).toThrow(/nested deeper than/);
  });

  it.each([
    ['a function', () => 1, 'state.deep[0].value is a function'],
    ['a symbol', Symbol('s'), 'state.deep[0].value is a symbol'],
    ['a class instance', new (class Point {})(), 'state.deep[0].value is an instance of Point'],
    ['an own __proto__ key', JSON.parse('{"__proto__": {"x": 1}}'), 'own "__proto__" key'],
  ])(
    'refuses %s with SnapshotEncodeError naming its path, instead of writing a lossy or unreadable checkpoint',
    (_, value, where) => {
      const attempt = () => encodeEnvelope(makeEnvelope({ state: { deep: [{ value }] } }));
      expect(attempt).toThrow(SnapshotEncodeError);
      expect(attempt).toThrow(/job "indexer" \(id job-1\).*plain data/);
      expect(attempt).toThrow(where);
    },
  );
});
