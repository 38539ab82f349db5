import { describe, expect, it } from 'vitest';
import { packGroups, packGroupsByField, unpackGroups } from '../../../src/jobs/duplicates/packFiles.js';
import type { CandidateGroup } from '../../../src/jobs/duplicates/types.js';

describe('packed file lists', () => {
  it('round-trip every field, links and absent values included, in bytes that hold nothing else', () => {
    const groups = sample();
    const bytes = packGroups(groups);
    // The length counted ahead is the length written: a 16-byte header, a float64 per group and five per
    // file, a uint32 per group, four per file and one per link, and the bytes of paths, ids, hashes, links.
    expect(bytes.length).toBe(16 + 8 * (2 + 5 * 2) + 4 * (2 + 4 * 2 + 2) + (8 + 16 + 64 + 5 + 14) + 4);
    expectBack(unpackGroups(bytes), groups);
    // Handed back unaligned (a checkpoint's bytes are views into a larger buffer): the same.
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expectBack(unpackGroups(shifted.subarray(3)), groups);
  });

  it('read the first format, field by field, as lists and checkpoints of earlier runs hold it', () => {
    const groups = sample();
    const old = packGroupsByField(groups);
    // That format began with the group count; the columnar one with a marker no count reaches.
    expect(Buffer.from(old).readUInt32LE(0)).toBe(2);
    expect(Buffer.from(packGroups(groups)).readUInt32LE(0)).toBe(0xffffffff);
    expectBack(unpackGroups(old), groups);
  });
});

function sample(): CandidateGroup[] {
  return [
    {
      size: 5000,
      files: [
        {
          path: Buffer.from('/t/\xffname', 'latin1'),
          size: 5000,
          mtimeMs: 1712345678901.5,
          ino: 2 ** 40 + 7,
          dev: 2049,
          entryId: 12,
          contentId: '0123456789abcdef',
          fullHash: 'f'.repeat(64),
          links: [Buffer.from('/t/l1'), Buffer.from('/t/longer/link')],
        },
        { path: Buffer.from('/t/b'), size: 5000, mtimeMs: 0, ino: 3, dev: 2049 },
      ],
    },
    { size: 0, files: [] },
  ];
}

/** `back` holds exactly the groups of {@link sample}. */
function expectBack(back: CandidateGroup[], groups: CandidateGroup[]) {
  expect(back).toHaveLength(2);
  const [a, b] = back[0].files;
  expect(back[0].size).toBe(5000);
  expect(Buffer.from(a.path).equals(groups[0].files[0].path as Buffer)).toBe(true);
  expect({ ...a, path: undefined, links: a.links?.map((l) => Buffer.from(l).toString()) }).toEqual({
    path: undefined,
    size: 5000,
    mtimeMs: 1712345678901.5,
    ino: 2 ** 40 + 7,
    dev: 2049,
    entryId: 12,
    contentId: '0123456789abcdef',
    fullHash: 'f'.repeat(64),
    links: ['/t/l1', '/t/longer/link'],
    // An unpacked file carries no read-ahead result (those live in memory only, on the walk's own objects).
    ahead: undefined,
    aheadKey: -1,
  });
  expect(b.entryId).toBeUndefined();
  expect(b.contentId).toBeNull();
  expect(b.fullHash).toBeNull();
  expect(b.links).toBeUndefined();
  expect(back[1]).toEqual({ size: 0, files: [] });
}
