import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampledRanges } from '../../../src/jobs/content/contentId.js';
import { pseudoRandomBytes } from './pseudoRandomBytes.js';
import { spacedriveReference } from './spacedriveReference.js';

/** The bytes the ranges select, sliced from a whole in-memory file. */
function slicesOf(file: Buffer): Buffer[] {
  return sampledRanges(file.length).map(([offset, length]) => file.subarray(offset, offset + length));
}

/** Whether the ranges select exactly the pieces the reference reads (compared as bytes, piece by piece). */
function expectSameSamples(file: Buffer, label: string): void {
  const ours = slicesOf(file);
  const theirs = spacedriveReference(file).sampled;
  expect(
    ours.map((b) => b.length),
    label,
  ).toEqual(theirs.map((b) => b.length));
  ours.forEach((piece, i) => {
    expect(piece.equals(theirs[i]), `${label}, piece ${i}`).toBe(true);
  });
}

describe('sampledRanges', () => {
  it('is empty for an empty file and the whole file up to 100 KiB', () => {
    expect(sampledRanges(0)).toEqual([]);
    expect(sampledRanges(1)).toEqual([[0, 1]]);
    expect(sampledRanges(16 * 1024)).toEqual([[0, 16 * 1024]]);
    expect(sampledRanges(102_400)).toEqual([[0, 102_400]]);
  });

  it('samples header, four 10 KiB pieces and footer above 100 KiB', () => {
    // (102401 - 16384) / 4 = 21504.25 → 21504
    expect(sampledRanges(102_401)).toEqual([
      [0, 8192],
      [8192, 10240],
      [8192 + 21504, 10240],
      [8192 + 2 * 21504, 10240],
      [8192 + 3 * 21504, 10240],
      [102_401 - 8192, 8192],
    ]);
    expect(sampledRanges(1_000_000)).toEqual([
      [0, 8192],
      [8192, 10240],
      [254_096, 10240],
      [500_000, 10240],
      [745_904, 10240],
      [991_808, 8192],
    ]);
  });

  it('selects the bytes Spacedrive’s seek-and-read loop reads, for sizes around every boundary', () => {
    const sizes = [1, 2, 8191, 8192, 8193, 10240, 16383, 16384, 16385, 102_399, 102_400, 102_401, 102_402];
    for (let i = 0; i < 8; i++) sizes.push(102_400 + i, 102_400 + 4 * 1024 * i + 3);
    for (const size of sizes) {
      expectSameSamples(pseudoRandomBytes(size, size + 1), `size ${size}`);
    }
  });

  it('agrees with the reference for random sizes, and stays inside the file', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3_000_000 }), (size) => {
        const ranges = sampledRanges(size);
        for (const [offset, length] of ranges) {
          expect(offset).toBeGreaterThanOrEqual(0);
          expect(offset + length).toBeLessThanOrEqual(size);
        }
        expectSameSamples(pseudoRandomBytes(size, size), `size ${size}`);
      }),
      { numRuns: 60 },
    );
  });

  it('handles sizes far beyond memory without overflow', () => {
    const size = 2 ** 40 + 12_345; // 1 TiB
    const ranges = sampledRanges(size);
    expect(ranges).toHaveLength(6);
    expect(ranges[4][0]).toBe(8192 + 3 * Math.floor((size - 16_384) / 4));
    expect(ranges[5]).toEqual([size - 8192, 8192]);
  });

  it('refuses sizes that are not non-negative safe integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) expect(() => sampledRanges(bad)).toThrow(RangeError);
  });
});
