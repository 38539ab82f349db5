import { describe, expect, it } from 'vitest';
import { hasName, joinNameAt, nameAt } from '../../../src/jobs/fs/packedNames.js';
import { joinBytes } from '../../../src/jobs/fs/paths.js';

/** Names packed as a listing carries them. */
function pack(names: Buffer[]) {
  const ends = new Uint32Array(names.length);
  let at = 0;
  names.forEach((n, i) => {
    at += n.length;
    ends[i] = at;
  });
  return { names: new Uint8Array(Buffer.concat(names)), ends };
}

describe('packed names', () => {
  const names = [
    Buffer.from('a'),
    Buffer.from([0xff, 0x2f, 0x80]),
    Buffer.from('longer name.txt'),
    Buffer.from('é'),
  ];
  const packed = pack(names);

  it('give each name, and each dir/name exactly as joinBytes joins them (one slash, bytes kept)', () => {
    for (const dir of [
      Buffer.from('/t/dir'),
      Buffer.from('/t/dir/'),
      Buffer.from('/'),
      Buffer.from([0x2f, 0xfe]),
    ]) {
      for (let i = 0; i < names.length; i++) {
        expect(Buffer.compare(nameAt(packed, i), names[i])).toBe(0);
        const joined = joinNameAt(dir, packed, i);
        expect(joined.equals(joinBytes(dir, names[i])), `${dir.toString('latin1')} + ${i}`).toBe(true);
        expect(Buffer.isBuffer(joined)).toBe(true);
      }
    }
    // A directory handed as a view into a larger buffer (as listings' paths may be).
    const big = Buffer.from('xx/base/dirxx');
    expect(joinNameAt(big.subarray(2, 11), packed, 2).toString()).toBe('/base/dir/longer name.txt');
  });

  it('tell whether a name is among them', () => {
    expect(hasName(packed, Buffer.from('longer name.txt'))).toBe(true);
    expect(hasName(packed, Buffer.from('longer name.tx'))).toBe(false);
  });
});
