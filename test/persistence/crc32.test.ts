import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/persistence/crc32.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('crc32', () => {
  it('matches the IEEE check value and known vectors', () => {
    expect(crc32(text('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
    expect(crc32(text('a'))).toBe(0xe8b7be43);
    expect(crc32(text('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    expect(crc32(new Uint8Array(32))).toBe(0x190a55ad);
  });

  it('returns an unsigned 32-bit integer and catches every single-bit flip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 256 }), fc.nat(), (bytes, at) => {
        const sum = crc32(bytes);
        expect(Number.isInteger(sum) && sum >= 0 && sum <= 0xffffffff).toBe(true);
        const flipped = bytes.slice();
        const bit = at % (bytes.length * 8);
        flipped[bit >> 3] ^= 1 << (bit & 7);
        expect(crc32(flipped)).not.toBe(sum);
      }),
    );
  });

  it('reads a view without looking outside it', () => {
    const whole = text('xx123456789yy');
    expect(crc32(whole.subarray(2, 11))).toBe(0xcbf43926);
  });
});
