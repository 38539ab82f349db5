import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

/** A file name that is not valid UTF-8 (Latin-1 "café"). */
export const LATIN1_NAME = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74]);

/** Bytes that vary along the file (so a misplaced chunk shows), from a seed. */
export function patterned(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  const block = crypto.createHash('sha256').update(String(seed)).digest();
  for (let i = 0; i < size; i += 32) {
    block.copy(out, i, 0, Math.min(32, size - i));
    block.writeUInt32LE(i ^ seed, 0);
  }
  return out;
}

/** Write a file of `size` patterned bytes in pieces (no huge buffer). */
export function writeBig(file: string, size: number, seed: number): void {
  const fd = fs.openSync(file, 'w');
  const piece = patterned(Math.min(size, 4 << 20), seed);
  for (let at = 0; at < size; at += piece.length) {
    piece.writeUInt32LE(at >>> 0, 0);
    fs.writeSync(fd, piece, 0, Math.min(piece.length, size - at));
  }
  fs.closeSync(fd);
}

/**
 * A source tree: nested directories, a large file, empty files, relative and absolute symlinks (one
 * dangling, one leading out of the tree), a non-UTF-8 name, several modes and set timestamps.
 */
export function makeTree(root: string, bigBytes = 200 * 1024 * 1024): void {
  fs.mkdirSync(path.join(root, 'a/b/c'), { recursive: true });
  fs.mkdirSync(path.join(root, 'empty-dir'));
  fs.writeFileSync(path.join(root, 'a/one.txt'), 'one\n');
  fs.writeFileSync(path.join(root, 'a/b/two.bin'), patterned(300_000, 2));
  fs.writeFileSync(path.join(root, 'a/b/c/three.md'), '# three\n');
  fs.writeFileSync(path.join(root, 'empty.txt'), '');
  fs.writeFileSync(path.join(root, 'a/b/empty2'), '');
  fs.writeFileSync(path.join(root, 'name with spaces & (parens).txt'), 'spaces');
  fs.writeFileSync(Buffer.concat([Buffer.from(`${root}/a/`), LATIN1_NAME]), 'latin-1 name');
  writeBig(path.join(root, 'big.bin'), bigBytes, 7);
  fs.writeFileSync(path.join(root, 'script.sh'), '#!/bin/sh\necho hi\n');
  fs.chmodSync(path.join(root, 'script.sh'), 0o755);
  fs.writeFileSync(path.join(root, 'a/private'), 'secret');
  fs.chmodSync(path.join(root, 'a/private'), 0o600);
  fs.writeFileSync(path.join(root, 'a/readonly'), 'ro');
  fs.chmodSync(path.join(root, 'a/readonly'), 0o444);
  fs.symlinkSync('one.txt', path.join(root, 'a/link-to-one'));
  fs.symlinkSync('../nowhere', path.join(root, 'a/dangling'));
  fs.symlinkSync('/etc/hostname', path.join(root, 'outside'));
  fs.symlinkSync('a/b', path.join(root, 'dir-link'));
  fs.chmodSync(path.join(root, 'a/b/c'), 0o750);
  // Distinct times, set last (children first, so directory times stay).
  let t = 1_600_000_000;
  for (const rel of [
    'a/one.txt',
    'a/b/two.bin',
    'a/b/c/three.md',
    'empty.txt',
    'big.bin',
    'a/private',
    'a/readonly',
  ]) {
    t += 3600;
    fs.utimesSync(path.join(root, rel), t - 3600, t + 0.123456);
  }
  fs.lutimesSync(path.join(root, 'a/link-to-one'), t, t + 7);
  for (const rel of ['a/b/c', 'a/b', 'a', 'empty-dir']) {
    t += 60;
    fs.utimesSync(path.join(root, rel), t - 60, t);
  }
}

/**
 * Everything that must match between a source and its copy, by relative path (latin1 of the bytes), and the
 * mtimes (ns) of files and directories apart: Node sets times from a double of seconds, so a copy's mtime is
 * the source's to within a microsecond, not to the nanosecond (see {@link expectSameTree}).
 */
export function snapshot(root: string): Map<string, string> {
  return scan(root).entries;
}

/** Assert that two trees match: {@link snapshot} equal, and every mtime within 2 µs. */
export function expectSameTree(copy: string, source: string): void {
  const a = scan(copy);
  const b = scan(source);
  expect(a.entries).toEqual(b.entries);
  for (const [rel, ns] of b.times) {
    const other = a.times.get(rel)!;
    const delta = other > ns ? other - ns : ns - other;
    expect(delta <= 2000n, `mtime of ${rel}: ${other} vs ${ns}`).toBe(true);
  }
}

function scan(root: string): { entries: Map<string, string>; times: Map<string, bigint> } {
  const out = new Map<string, string>();
  const times = new Map<string, bigint>();
  const walk = (dir: Buffer, rel: string) => {
    for (const name of fs.readdirSync(dir, { encoding: 'buffer' })) {
      const full = Buffer.concat([dir, Buffer.from('/'), name]);
      const r = rel ? `${rel}/${name.toString('latin1')}` : name.toString('latin1');
      const st = fs.lstatSync(full, { bigint: true });
      // Times to the microsecond: utimes takes a double of seconds.
      if (!st.isSymbolicLink()) times.set(r, st.mtimeNs);
      if (st.isSymbolicLink())
        out.set(r, `link ${fs.readlinkSync(full, { encoding: 'buffer' }).toString('latin1')}`);
      else if (st.isDirectory()) {
        out.set(r, `dir ${(st.mode & 0o7777n).toString(8)}`);
        walk(full, r);
      } else {
        const hash = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
        out.set(r, `file ${(st.mode & 0o7777n).toString(8)} ${st.size} ${hash}`);
      }
    }
  };
  walk(Buffer.from(root), '');
  return { entries: new Map([...out].sort()), times };
}

/** Names of leftover temporary files under a directory. */
export function leftovers(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name.includes('.phasekit-') && e.name.endsWith('.part')) found.push(path.join(dir, e.name));
      if (e.isDirectory()) walk(path.join(dir, e.name));
    }
  };
  walk(root);
  return found;
}
