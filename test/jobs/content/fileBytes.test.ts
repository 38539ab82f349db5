import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ContentChangedError } from '../../../src/jobs/content/ContentChangedError.js';
import { firstPass, fullHashSync } from '../../../src/jobs/content/fileBytes.js';
import { fullHashOfFile } from '../../../src/jobs/content/fullHashOfFile.js';
import { hashFile } from '../../../src/jobs/content/hashFile.js';
import { tempDir } from '../../machines/helpers.js';
import { pseudoRandomBytes } from './pseudoRandomBytes.js';

afterEach(() => {
  vi.restoreAllMocks();
  syncBuiltinESMExports();
});

function file(size: number): string {
  const p = path.join(tempDir(), `f${size}`);
  fs.writeFileSync(p, pseudoRandomBytes(size, size + 1));
  return p;
}

describe('the synchronous reads of the hash workers', () => {
  it('give the digest fullHashOfFile gives, for files of every size around the read buffer', async () => {
    for (const size of [
      0,
      1,
      4096,
      16_384,
      16_385,
      100_000,
      1024 * 1024 - 1,
      1024 * 1024,
      3 * 1024 * 1024 + 7,
    ]) {
      const p = file(size);
      const expected = await fullHashOfFile(p);
      expect(fullHashSync(Buffer.from(p), size), `size ${size}`).toBe(expected);
      expect(hashFile(Buffer.from(p), size, false).fullHash, `size ${size}`).toBe(expected);
      if (size <= 16_384) expect(firstPass(Buffer.from(p), size).full).toBe(expected);
    }
  });

  it('read a file that fits the buffer with one read, with no second read to learn its end', () => {
    const p = file(100_000);
    const reads = vi.spyOn(fs, 'readSync');
    syncBuiltinESMExports(); // modules that import `* as fs` see the spy too
    fullHashSync(Buffer.from(p), 100_000);
    expect(reads).toHaveBeenCalledTimes(1);
    reads.mockClear();
    hashFile(Buffer.from(p), 100_000, true);
    // The content id samples come from the same bytes in memory: still one read.
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('throw ContentChangedError when the file is shorter or longer than the size it was stat-ed with', () => {
    for (const size of [5000, 100_000, 2 * 1024 * 1024]) {
      const p = Buffer.from(file(size));
      for (const [given, how] of [
        [size + 1, 'shorter'],
        [size - 1, 'longer'],
      ] as const) {
        expect(() => fullHashSync(p, given)).toThrow(ContentChangedError);
        expect(() => fullHashSync(p, given)).toThrow(how);
        expect(() => hashFile(p, given, false)).toThrow(how);
      }
    }
  });
});
