import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js';
import fc from 'fast-check';
import { createBLAKE3 } from 'hash-wasm';
import { describe, expect, it } from 'vitest';
import { blake3Hex, createHasher } from '../../../src/jobs/content/blake3.js';

// Official BLAKE3 vectors (BLAKE3-team/BLAKE3 test_vectors.json and its README).
const EMPTY = 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262';
const ABC = '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const ascii = (text: string) => new TextEncoder().encode(text);

describe('blake3Hex and createHasher', () => {
  it('give the official digests of "" and "abc"', () => {
    expect(blake3Hex(new Uint8Array(0))).toBe(EMPTY);
    expect(blake3Hex(ascii('abc'))).toBe(ABC);
    const hasher = createHasher();
    hasher.update(ascii('ab'));
    hasher.update(ascii('c'));
    expect(hex(hasher.digest())).toBe(ABC);
    expect(hex(createHasher().digest())).toBe(EMPTY);
  });

  it('agree with hash-wasm and @noble/hashes on the official vectors', async () => {
    const wasm = await createBLAKE3();
    for (const [input, expected] of [
      ['', EMPTY],
      ['abc', ABC],
    ] as const) {
      expect(wasm.init().update(ascii(input)).digest('hex')).toBe(expected);
      expect(hex(nobleBlake3(ascii(input)))).toBe(expected);
    }
  });

  it('agree with @noble/hashes for any bytes and any split into updates', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 9000 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        const expected = hex(nobleBlake3(bytes));
        expect(blake3Hex(bytes)).toBe(expected);
        const hasher = createHasher();
        let from = 0;
        for (const cut of [...cuts.map((c) => c % (bytes.length + 1))].sort((a, b) => a - b)) {
          hasher.update(bytes.subarray(from, cut));
          from = cut;
        }
        hasher.update(bytes.subarray(from));
        expect(hex(hasher.digest())).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('reads an update before returning, so the caller may reuse the buffer', () => {
    const buffer = Buffer.from('abc');
    const hasher = createHasher();
    hasher.update(buffer);
    buffer.fill(0);
    expect(hex(hasher.digest())).toBe(ABC);
  });

  it('keeps hashers independent of each other and of blake3Hex', () => {
    const a = createHasher();
    const b = createHasher();
    a.update(ascii('a'));
    b.update(ascii('x'));
    expect(blake3Hex(ascii('zzz'))).toBe(hex(nobleBlake3(ascii('zzz'))));
    a.update(ascii('bc'));
    expect(hex(a.digest())).toBe(ABC);
    expect(hex(b.digest())).toBe(hex(nobleBlake3(ascii('x'))));
  });
});
