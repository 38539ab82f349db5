import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { firstPass, fullHashSync } from '../../../src/jobs/content/fileBytes.js';
import { fullHashOfFile } from '../../../src/jobs/content/fullHashOfFile.js';
import {
  nativeReadFile,
  nativeReadFileDefaults,
  usesNativeReadFile,
} from '../../../src/jobs/fs/nativeReadFile.js';
import { tempDir } from '../../machines/helpers.js';
import { askBuilt } from '../askBuilt.js';
import { runUnprivileged } from '../unprivileged.js';
import { pseudoRandomBytes } from './pseudoRandomBytes.js';

afterEach(() => {
  nativeReadFileDefaults.enabled = true;
  vi.restoreAllMocks();
  syncBuiltinESMExports();
});

const SIZES = [0, 1, 4095, 4096, 8191, 8192, 16_383, 16_384, 16_385, 100_000, 1024 * 1024 - 1];

/** `op` with the native reader on and off: the values (or thrown errors) and the native reads it made. */
function bothWays<T>(op: () => T) {
  const run = (enabled: boolean) => {
    nativeReadFileDefaults.enabled = enabled;
    const before = nativeReadFileDefaults.reads;
    try {
      return { value: op() as unknown, reads: nativeReadFileDefaults.reads - before };
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      return {
        error: { name: e.name, code: e.code, message: e.message, class: e.constructor.name },
        reads: nativeReadFileDefaults.reads - before,
      };
    } finally {
      nativeReadFileDefaults.enabled = true;
    }
  };
  return { native: run(true), fs: run(false) };
}

describe('the native reader of small files', () => {
  it('is built and in use here, and reads ranges as fs does, byte for byte', () => {
    expect(usesNativeReadFile()).toBe(true);
    const p = path.join(tempDir(), 'f');
    const bytes = pseudoRandomBytes(50_000, 3);
    fs.writeFileSync(p, bytes);
    const buffer = Buffer.alloc(10_000);
    expect(nativeReadFile(Buffer.from(p), buffer, 4096, 0, 4096, 50_000 - 4096)).toBe(8192);
    expect(buffer.subarray(0, 4096).equals(bytes.subarray(0, 4096))).toBe(true);
    expect(buffer.subarray(4096, 8192).equals(bytes.subarray(50_000 - 4096))).toBe(true);
    // Short only at the end of the file.
    expect(nativeReadFile(Buffer.from(p), buffer, 10_000, 45_000)).toBe(5000);
    expect(buffer.subarray(0, 5000).equals(bytes.subarray(45_000))).toBe(true);
    expect(() => nativeReadFile(Buffer.from(p), buffer, 8000, 0, 4000, 0)).toThrow(RangeError);
  });

  it('gives the partial and full hashes fs gives, for files of every size around the edges', async () => {
    const dir = tempDir();
    for (const size of SIZES) {
      const p = path.join(dir, `f${size}`);
      fs.writeFileSync(p, pseudoRandomBytes(size, size + 7));
      const path8 = Buffer.from(p);
      const first = bothWays(() => firstPass(path8, size));
      expect(first.native, `size ${size}`).toEqual({ ...first.fs, reads: 1 });
      expect(first.fs.reads).toBe(0);
      const full = bothWays(() => fullHashSync(path8, size));
      expect(full.native, `size ${size}`).toEqual({ ...full.fs, reads: 1 });
      expect(full.native.value).toBe(await fullHashOfFile(p));
    }
    // A name that is not UTF-8.
    const odd = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0x66, 0xff, 0xfe])]);
    fs.writeFileSync(odd, 'odd');
    const first = bothWays(() => firstPass(odd, 3));
    expect(first.native).toEqual({ ...first.fs, reads: 1 });
  });

  it('leaves what it cannot read to fs, which throws the error it always threw', () => {
    const dir = tempDir();
    const target = path.join(dir, 'target');
    fs.writeFileSync(target, 'x'.repeat(20_000));
    fs.symlinkSync(target, path.join(dir, 'link'));
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    fs.mkdirSync(path.join(dir, 'sub'));
    const cases: [string, Buffer][] = [
      ['a symlink', Buffer.from(path.join(dir, 'link'))],
      ['a FIFO', Buffer.from(path.join(dir, 'pipe'))],
      ['a device', Buffer.from('/dev/zero')],
      ['a directory', Buffer.from(path.join(dir, 'sub'))],
      ['a missing file', Buffer.from(path.join(dir, 'missing'))],
      ['a NUL byte (the path before it names a file)', Buffer.from(`${target}\0b`)],
      ['below a file', Buffer.from(`${target}/x`)],
    ];
    for (const [what, p] of cases) {
      for (const size of [6, 20_000]) {
        const first = bothWays(() => firstPass(p, size));
        expect(first.native.error, `${what}, ${size}`).toBeDefined();
        expect(first.native, `${what}, ${size}`).toEqual(first.fs);
        const full = bothWays(() => fullHashSync(p, size));
        expect(full.native.error, what).toBeDefined();
        expect(full.native, what).toEqual(full.fs);
      }
    }
    // A file shorter or longer than its size: the same ContentChangedError.
    for (const size of [10, 19_999, 20_001, 30_000]) {
      const first = bothWays(() => firstPass(Buffer.from(target), size));
      const full = bothWays(() => fullHashSync(Buffer.from(target), size));
      if (size !== 19_999) expect(first.native.error?.class, `${size}`).toBe('ContentChangedError');
      expect({ ...first.native, reads: 0 }, `${size}`).toEqual(first.fs);
      expect(full.native.error?.class, `${size}`).toBe('ContentChangedError');
      expect({ ...full.native, reads: 0 }, `${size}`).toEqual(full.fs);
    }
  });

  it('leaves a file it may not read to fs, which throws EACCES (as a user without privileges)', () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o755);
    const locked = path.join(dir, 'locked');
    fs.writeFileSync(locked, 'secret');
    fs.chmodSync(locked, 0);
    const out = runUnprivileged(
      (dist) => `import { firstPass, fullHashSync } from ${dist('jobs/content/fileBytes.js')};
        import { nativeReadFileDefaults, usesNativeReadFile } from ${dist('jobs/fs/nativeReadFile.js')};
        const p = Buffer.from(${JSON.stringify(locked)});
        const attempt = (op) => { try { op(); return 'read'; } catch (e) { return [e.name, e.code, e.message]; } };
        const way = (enabled) => {
          nativeReadFileDefaults.enabled = enabled;
          return [attempt(() => firstPass(p, 6)), attempt(() => fullHashSync(p, 6))];
        };
        console.log(JSON.stringify({ uses: usesNativeReadFile(), native: way(true), fs: way(false), reads: nativeReadFileDefaults.reads }));`,
    );
    const { uses, native, fs: viaFs, reads } = JSON.parse(out);
    expect(uses).toBe(true);
    expect(native[0][1]).toBe('EACCES');
    expect(native).toEqual(viaFs);
    expect(reads).toBe(0);
  });

  it('both native modules refuse a path with a NUL byte themselves, not reading the path before it', () => {
    // The TypeScript doors never pass one (fs refuses such paths), so ask the built modules directly.
    const dir = tempDir();
    const target = path.join(dir, 'target');
    fs.writeFileSync(target, 'x'.repeat(10));
    const load = createRequire(import.meta.url);
    const built = (name: string) =>
      load(
        path.resolve(
          import.meta.dirname,
          `../../../dist/native/${name}-${process.platform}-${process.arch}.node`,
        ),
      );
    const EINVAL = -os.constants.errno.EINVAL;
    expect(built('readfile').read(Buffer.from(`${target}\0b`), Buffer.alloc(20), 11, 0, 0, 0)).toBe(EINVAL);
    expect(built('readfile').read(Buffer.from(target), Buffer.alloc(20), 11, 0, 0, 0)).toBe(10);
    expect(built('listdir').list(Buffer.from(`${dir}\0b`), false)).toBe(EINVAL);
    expect(typeof built('listdir').list(Buffer.from(dir), false)).toBe('object');
  });

  it('steps aside where fs is patched, so the patch sees every read', () => {
    const p = path.join(tempDir(), 'f');
    fs.writeFileSync(p, 'hello');
    const opens = vi.spyOn(fs, 'openSync');
    syncBuiltinESMExports();
    const before = nativeReadFileDefaults.reads;
    firstPass(Buffer.from(p), 5);
    expect(opens).toHaveBeenCalledTimes(1);
    expect(nativeReadFileDefaults.reads).toBe(before);
  });

  it('is off with PHASEKIT_NATIVE=0 (the built module, in a process of its own)', () => {
    const ask = (env: NodeJS.ProcessEnv) =>
      askBuilt('jobs/fs/nativeReadFile.js', 'm.usesNativeReadFile()', env);
    expect(ask({ PHASEKIT_NATIVE: '0' })).toBe('false');
    expect(ask({ PHASEKIT_NATIVE: '' })).toBe('true');
  });
});
