import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fullHashOfFile } from '../../../src/jobs/content/fullHashOfFile.js';
import { pseudoRandomBytes } from './pseudoRandomBytes.js';
import { makeTempDir } from '../makeTempDir.js';

const MIB = 1024 * 1024;
const hasB3sum = spawnSync('b3sum', ['--version']).status === 0;

describe('fullHashOfFile', () => {
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

  it('is the BLAKE3 of the whole file, around the 4 MiB chunk boundaries', async () => {
    for (const size of [0, 1, 1024, 4 * MIB - 1, 4 * MIB, 4 * MIB + 1, 8 * MIB, 9 * MIB + 123]) {
      const bytes = pseudoRandomBytes(size, size + 7);
      const file = write(`f${size}`, bytes);
      const hash = await fullHashOfFile(file);
      expect(hash, `size ${size}`).toBe(Buffer.from(nobleBlake3(bytes)).toString('hex'));
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it.skipIf(!hasB3sum)('agrees with b3sum', async () => {
    const file = write('b3', pseudoRandomBytes(5 * MIB + 17));
    const expected = spawnSync('b3sum', ['--no-names', file], { encoding: 'utf8' }).stdout.trim();
    expect(await fullHashOfFile(file)).toBe(expected);
  });

  it('reports progress after each chunk, ending at the size', async () => {
    const file = write('p', pseudoRandomBytes(9 * MIB));
    const seen: number[] = [];
    await fullHashOfFile(file, { onProgress: (n) => seen.push(n) });
    expect(seen).toEqual([4 * MIB, 8 * MIB, 9 * MIB]);
  });

  it('reads an open descriptor from offset 0 and leaves it open', async () => {
    const bytes = pseudoRandomBytes(5 * MIB);
    const fd = fs.openSync(write('fd', bytes), 'r');
    try {
      fs.readSync(fd, Buffer.alloc(100), 0, 100, null); // move the offset: the hash must not care
      expect(await fullHashOfFile(fd)).toBe(Buffer.from(nobleBlake3(bytes)).toString('hex'));
      expect(fs.fstatSync(fd).size).toBe(bytes.length);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('stops with the signal’s reason when aborted, and closes the file', async () => {
    const file = write('a', pseudoRandomBytes(12 * MIB));
    const before = fs.readdirSync('/proc/self/fd').length;
    const controller = new AbortController();
    const reason = new Error('stop');
    const hashing = fullHashOfFile(file, {
      signal: controller.signal,
      onProgress: () => controller.abort(reason),
    });
    await expect(hashing).rejects.toBe(reason);
    await expect(fullHashOfFile(file, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fs.readdirSync('/proc/self/fd').length).toBe(before);
  });

  it('passes fs errors through', async () => {
    await expect(fullHashOfFile(path.join(temp.dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
