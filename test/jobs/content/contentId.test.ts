import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContentChangedError } from '../../../src/jobs/content/ContentChangedError.js';
import {
  contentIdOfBytes,
  contentIdOfFile,
  contentIdOfFileSync,
} from '../../../src/jobs/content/contentId.js';
import { pseudoRandomBytes } from './pseudoRandomBytes.js';
import { spacedriveReference } from './spacedriveReference.js';
import { makeTempDir } from '../makeTempDir.js';

const MIB = 1024 * 1024;

/**
 * Content ids of `pseudoRandomBytes(size)`, computed once with `spacedriveReference` (@noble/hashes) and
 * pinned: a change of algorithm, of the size prefix or of an offset shows up here.
 */
const PINNED: Record<number, string | null> = {
  0: null,
  1: '56e5783df26246f6',
  2: '50d5bd8bb91af110',
  1000: '8195e8726c92a0a1',
  16383: '38887e72b78ea45d',
  16384: 'b84e7a19c6384823',
  16385: '9db118842f122cc7',
  102399: 'a633488a2015e7b3',
  102400: '47b96a66a53fbe32',
  102401: '444e4cc627fc7fe9',
  102402: '7cca4c81134be317',
  102403: 'd05f1db09b45b1c4',
  102404: '52c70ae23c5085e1',
  102405: '713a9679bc65186e',
  123456: '1316f6b8550978bd',
  [MIB]: '27b7543395968193',
  [10 * MIB + 7]: 'd2d0fdef60c547fc',
};

describe('contentIdOfBytes', () => {
  it('matches the pinned vectors', () => {
    for (const [size, id] of Object.entries(PINNED)) {
      expect(contentIdOfBytes(pseudoRandomBytes(Number(size))), `size ${size}`).toBe(id);
    }
    // BLAKE3(03 00 00 00 00 00 00 00 'abc'), cut: also what `b3sum` prints for those 11 bytes.
    expect(contentIdOfBytes(new TextEncoder().encode('abc'))).toBe('2c43cb52459d810e');
  });

  it('matches the independent reference around every boundary', () => {
    for (const size of [
      3,
      8192,
      10_240,
      16_383,
      16_384,
      16_385,
      65_536,
      102_400,
      102_401,
      204_800,
      3 * MIB + 1,
    ]) {
      const bytes = pseudoRandomBytes(size, size);
      expect(contentIdOfBytes(bytes), `size ${size}`).toBe(spacedriveReference(bytes).id);
    }
  });

  it('is 16 lowercase hex characters, and null only for empty input', () => {
    expect(contentIdOfBytes(new Uint8Array(0))).toBeNull();
    expect(contentIdOfBytes(new Uint8Array(1))).toMatch(/^[0-9a-f]{16}$/);
  });

  it('depends on the size even where the sampled bytes are equal', () => {
    // Two zero-filled files of different sizes above 100 KiB sample identical bytes; the size prefix differs.
    expect(contentIdOfBytes(new Uint8Array(200_000))).not.toBe(contentIdOfBytes(new Uint8Array(200_001)));
  });

  it('ignores bytes outside the samples of a large file, and sees bytes inside them', () => {
    const base = pseudoRandomBytes(MIB);
    const id = contentIdOfBytes(base);
    const outside = Buffer.from(base);
    outside[100_000] ^= 1; // between the header and the second sample
    expect(contentIdOfBytes(outside)).toBe(id);
    const inside = Buffer.from(base);
    inside[MIB - 1] ^= 1; // in the footer
    expect(contentIdOfBytes(inside)).not.toBe(id);
  });
});

describe('contentIdOfFile', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(() => temp.cleanup());

  const write = (name: string, bytes: Uint8Array) => {
    const file = path.join(temp.dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };

  it('agrees with contentIdOfBytes and the pinned vectors on real files of every boundary size', async () => {
    for (const [size, id] of Object.entries(PINNED)) {
      const bytes = pseudoRandomBytes(Number(size));
      const file = write(`f${size}`, bytes);
      const stat = fs.statSync(file);
      expect(await contentIdOfFile(file, stat.size), `size ${size}`).toBe(id);
      expect(contentIdOfFileSync(file, stat.size), `size ${size} (sync)`).toBe(id);
      expect(contentIdOfBytes(bytes)).toBe(id);
    }
  });

  it('reads a 10 MiB file through an open descriptor without moving or closing it', async () => {
    const bytes = pseudoRandomBytes(10 * MIB + 7);
    const file = write('big', bytes);
    const fd = fs.openSync(file, 'r');
    try {
      expect(await contentIdOfFile(fd, bytes.length)).toBe(PINNED[10 * MIB + 7]);
      expect(contentIdOfFileSync(fd, bytes.length)).toBe(PINNED[10 * MIB + 7]);
      const head = Buffer.alloc(4);
      expect(fs.readSync(fd, head, 0, 4, null)).toBe(4); // still open, offset still 0
      expect(head).toEqual(bytes.subarray(0, 4));
    } finally {
      fs.closeSync(fd);
    }
  });

  it('accepts a Buffer path with non-UTF-8 bytes', async () => {
    const name = Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x74]);
    const file = Buffer.concat([Buffer.from(`${temp.dir}/`), name]);
    const bytes = pseudoRandomBytes(123_456);
    fs.writeFileSync(file, bytes);
    expect(await contentIdOfFile(file, bytes.length)).toBe(PINNED[123_456]);
  });

  it('returns null for size 0 without opening anything', async () => {
    const missing = path.join(temp.dir, 'does-not-exist');
    expect(await contentIdOfFile(missing, 0)).toBeNull();
    expect(contentIdOfFileSync(missing, 0)).toBeNull();
  });

  it('throws ContentChangedError when the file is shorter or longer than the size given', async () => {
    for (const [actual, claimed, found] of [
      [1000, 1001, 'shorter'],
      [1001, 1000, 'longer'],
      [200_000, 200_001, 'shorter'],
      [200_001, 200_000, 'longer'],
      [50_000, 200_000, 'shorter'],
      [200_000, 50_000, 'longer'],
    ] as const) {
      const file = write(`changed-${actual}-${claimed}`, pseudoRandomBytes(actual));
      const error = await contentIdOfFile(file, claimed).catch((e: unknown) => e);
      expect(error, `${actual} vs ${claimed}`).toBeInstanceOf(ContentChangedError);
      expect(error).toMatchObject({ name: 'ContentChangedError', file, expectedSize: claimed, found });
      expect((error as Error).message).toContain('Stat it again');
      expect(() => contentIdOfFileSync(file, claimed)).toThrow(ContentChangedError);
    }
  });

  it('passes fs errors through, with their code and path', async () => {
    const missing = path.join(temp.dir, 'missing');
    await expect(contentIdOfFile(missing, 10)).rejects.toMatchObject({ code: 'ENOENT', path: missing });
    expect(() => contentIdOfFileSync(missing, 10)).toThrow(/ENOENT/);
    await expect(contentIdOfFile(temp.dir, 10)).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('closes what it opens, even on error', async () => {
    const file = write('short', pseudoRandomBytes(10));
    const before = fs.readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 50; i++) {
      await contentIdOfFile(file, 10);
      await contentIdOfFile(file, 11).catch(() => {});
      contentIdOfFileSync(file, 10);
      try {
        contentIdOfFileSync(file, 11);
      } catch {}
    }
    expect(fs.readdirSync('/proc/self/fd').length).toBe(before);
  });
});
