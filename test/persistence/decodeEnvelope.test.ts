import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/persistence/crc32.js';
import { type DecodeExpectation, decodeEnvelope } from '../../src/persistence/decodeEnvelope.js';
import { encodeEnvelope } from '../../src/persistence/encodeEnvelope.js';
import { JobMismatchError } from '../../src/persistence/JobMismatchError.js';
import { SnapshotCorruptError } from '../../src/persistence/SnapshotCorruptError.js';
import { makeEnvelope } from './makeEnvelope.js';

const expectIndexer = { name: 'indexer', version: 1 };
const valid = encodeEnvelope(makeEnvelope());

/** The error `decodeEnvelope` throws for `bytes`, or a failure when it returns. */
function errorOf(bytes: Uint8Array, expect: DecodeExpectation = expectIndexer): unknown {
  try {
    decodeEnvelope(bytes, expect);
  } catch (error) {
    return error;
  }
  throw new Error('decodeEnvelope accepted the bytes');
}

/** A checkpoint with a correct checksum over whatever body bytes are given. */
const sealed = (body: Uint8Array, format = 'phasekit/1') => encode({ format, crc32: crc32(body), body });

describe('decodeEnvelope: corrupt bytes', () => {
  it.each([
    ['empty bytes', new Uint8Array()],
    ['one byte', new Uint8Array([0x80])],
    ['JSON text', new TextEncoder().encode('{"format":"phasekit/1"}')],
    ['a MessagePack string', encode('phasekit/1')],
    ['a MessagePack array', encode(['phasekit/1', 1, new Uint8Array()])],
    ['a map without format', encode({ crc32: 1, body: new Uint8Array() })],
    ['a map without body', encode({ format: 'phasekit/1', crc32: 1 })],
    ['a body that is a string', encode({ format: 'phasekit/1', crc32: 1, body: 'x' })],
    ['trailing garbage', Uint8Array.from([...valid, 0])],
  ])('rejects %s as truncated or not a checkpoint', (_, bytes) => {
    const error = errorOf(bytes);
    expect(error).toBeInstanceOf(SnapshotCorruptError);
    expect((error as Error).message).toMatch(/truncated or not a phasekit checkpoint/);
  });

  it('rejects something that is not bytes at all', () => {
    expect(errorOf(null as unknown as Uint8Array)).toBeInstanceOf(SnapshotCorruptError);
    expect(errorOf('abc' as unknown as Uint8Array)).toBeInstanceOf(SnapshotCorruptError);
  });

  it('names an unknown format', () => {
    const error = errorOf(sealed(encode(makeEnvelope()), 'phasekit/2'));
    expect(error).toBeInstanceOf(SnapshotCorruptError);
    expect((error as Error).message).toMatch(/unknown format "phasekit\/2"/);
  });

  it('rejects a checksum mismatch', () => {
    const body = encode(makeEnvelope());
    const bytes = encode({ format: 'phasekit/1', crc32: (crc32(body) + 1) >>> 0, body });
    const error = errorOf(bytes);
    expect(error).toBeInstanceOf(SnapshotCorruptError);
    expect((error as Error).message).toMatch(
      /checksum mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)/,
    );
  });

  it('rejects a body that does not decode, or decodes to a malformed envelope', () => {
    expect((errorOf(sealed(Uint8Array.from([0xc1]))) as Error).message).toMatch(/body does not decode/);
    const malformed: [string, unknown][] = [
      ['not a map', [1, 2]],
      ['no job', { ...makeEnvelope(), job: undefined }],
      [
        'job.version is not an integer',
        { ...makeEnvelope(), job: { name: 'indexer', version: 1.5, phases: [] } },
      ],
      ['job.phases', { ...makeEnvelope(), job: { name: 'indexer', version: 1, phases: [1] } }],
      ['jobId is not a string', { ...makeEnvelope(), jobId: 7 }],
      ['history is not a list', { ...makeEnvelope(), history: {} }],
      ['body format', { ...makeEnvelope(), format: 'other' }],
    ];
    for (const [problem, body] of malformed) {
      const error = errorOf(sealed(encode(body, { ignoreUndefined: true })));
      expect(error).toBeInstanceOf(SnapshotCorruptError);
      expect((error as Error).message).toContain(`malformed body: ${problem}`);
    }
  });

  it('puts the job id in errors when the caller gives it', () => {
    const error = errorOf(new Uint8Array([1, 2, 3]), { ...expectIndexer, jobId: 'job-9' });
    expect(error).toMatchObject({ name: 'SnapshotCorruptError', jobId: 'job-9' });
    expect((error as Error).message).toMatch(/^Checkpoint of job job-9:/);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('rejects every truncation of a valid checkpoint', () => {
    for (let length = 0; length < valid.length; length++) {
      expect(errorOf(valid.subarray(0, length))).toBeInstanceOf(SnapshotCorruptError);
    }
  });

  it('rejects every single-bit flip of a valid checkpoint', () => {
    for (let bit = 0; bit < valid.length * 8; bit++) {
      const flipped = valid.slice();
      flipped[bit >> 3] ^= 1 << (bit & 7);
      expect(errorOf(flipped)).toBeInstanceOf(SnapshotCorruptError);
    }
  });

  it('throws only SnapshotCorruptError for random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        expect(errorOf(bytes)).toBeInstanceOf(SnapshotCorruptError);
      }),
      { numRuns: 2000 },
    );
  });

  it('throws only SnapshotCorruptError for random damage to a valid checkpoint (property)', () => {
    const bigger = encodeEnvelope(
      makeEnvelope({ state: Array.from({ length: 200 }, (_, i) => ({ i, s: `${i}` })) }),
    );
    const damage = fc.oneof(
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(bigger.length - 1) }),
      fc.record({
        kind: fc.constant('set' as const),
        at: fc.nat(bigger.length - 1),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
      fc.record({
        kind: fc.constant('splice' as const),
        at: fc.nat(bigger.length),
        junk: fc.uint8Array({ minLength: 1, maxLength: 16 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(damage, { minLength: 1, maxLength: 4 }), (steps) => {
        let bytes = bigger.slice();
        for (const step of steps) {
          const at = Math.min(step.at, bytes.length);
          if (step.kind === 'cut') bytes = bytes.slice(0, at);
          else if (step.kind === 'splice')
            bytes = Uint8Array.from([...bytes.subarray(0, at), ...step.junk, ...bytes.subarray(at)]);
          else if (at < bytes.length) bytes[at] = step.byte;
        }
        const undamaged = bytes.length === bigger.length && bytes.every((b, i) => b === bigger[i]);
        if (undamaged) return;
        expect(errorOf(bytes)).toBeInstanceOf(SnapshotCorruptError);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('decodeEnvelope: another job', () => {
  it('refuses a checkpoint written by another job, saying which', () => {
    const error = errorOf(valid, { name: 'thumbnailer', version: 1 });
    expect(error).toBeInstanceOf(JobMismatchError);
    expect(error).toMatchObject({ field: 'name', expected: 'thumbnailer', found: 'indexer' });
    expect((error as Error).message).toMatch(
      /written by job "indexer", not "thumbnailer": resume it with the "indexer"/,
    );
  });

  it('refuses a checkpoint stored under another job id', () => {
    expect(() => decodeEnvelope(valid, { ...expectIndexer, jobId: 'job-2' })).toThrow(JobMismatchError);
    expect(decodeEnvelope(valid, { ...expectIndexer, jobId: 'job-1' }).jobId).toBe('job-1');
  });
});
