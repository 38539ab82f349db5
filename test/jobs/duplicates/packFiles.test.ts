import { describe, expect, it } from 'vitest';
import { packGroups, unpackGroups } from '../../../src/jobs/duplicates/packFiles.js';
import type { CandidateGroup } from '../../../src/jobs/duplicates/types.js';

describe('packed file lists', () => {
  it('round-trip every field, links and absent values included, in bytes that hold nothing else', () => {
    const groups: CandidateGroup[] = [
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
    const bytes = packGroups(groups);
    // The length counted ahead is the length written: 4 + two groups of 12 + both files' fields.
    const fileBytes = (path: number, strs: number, links: number[]) =>
      4 + path + 40 + strs + 4 + links.reduce((n, l) => n + 4 + l, 0);
    expect(bytes.length).toBe(4 + 24 + fileBytes(8, 2 + 16 + 2 + 64, [5, 14]) + fileBytes(4, 4, []));
    const back = unpackGroups(bytes);
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
    });
    expect(b.entryId).toBeUndefined();
    expect(b.contentId).toBeNull();
    expect(b.fullHash).toBeNull();
    expect(b.links).toBeUndefined();
    expect(back[1]).toEqual({ size: 0, files: [] });
  });
});
