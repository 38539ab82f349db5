import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RULES } from '../../../src/jobs/indexer/rules.js';
import { DIR, DirectoryLister, nameAt } from '../../../src/jobs/indexer/walk/listDirectory.js';
import {
  lstatInto,
  RAW_STAT_FIELDS,
  rawFsDefaults,
  readdirNames,
  usesBinding,
} from '../../../src/jobs/fs/rawFs.js';
import { tempDir } from '../../machines/helpers.js';
import { BAD_NAME, makeTree } from './tree.js';

afterEach(() => {
  rawFsDefaults.enabled = true;
  vi.restoreAllMocks();
});

/** A tree with files (sub-millisecond mtimes), dirs, symlinks, a FIFO and a name that is not UTF-8. */
function tree(): string {
  const root = path.join(tempDir(), 'tree');
  makeTree(root);
  const odd = path.join(root, 'a.txt');
  fs.utimesSync(odd, 1_700_000_000.123456, 1_700_000_001.987654);
  try {
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
  } catch {}
  return root;
}

/** Every path under root, parents first (not following links). */
function allPaths(root: string): Buffer[] {
  const out: Buffer[] = [Buffer.from(root)];
  for (let i = 0; i < out.length; i++) {
    const st = fs.lstatSync(out[i]);
    if (!st.isDirectory()) continue;
    for (const name of fs.readdirSync(out[i], { encoding: 'buffer' })) {
      out.push(Buffer.concat([out[i], Buffer.from('/'), name]));
    }
  }
  return out;
}

function fromFs(p: Buffer): number[] {
  const st = fs.lstatSync(p);
  return [st.size, st.mtimeMs, st.ctimeMs, st.ino, st.dev, st.mode];
}

function fromRaw(p: Buffer): number[] {
  const out = new Float64Array(RAW_STAT_FIELDS + 2);
  const mode = lstatInto(p, out, 2);
  expect(mode).toBe(out[2 + 5]);
  return [...out.subarray(2)];
}

describe('rawFs: lstat and readdir through the fs binding', () => {
  it('is in use on this Node: the check against fs passes', () => {
    expect(usesBinding()).toBe(true);
  });

  it('gives the numbers of fs.lstatSync for every kind of entry, to the last bit of the mtime', () => {
    const root = tree();
    const paths = allPaths(root);
    expect(paths.length).toBeGreaterThan(15);
    expect(paths.some((p) => p.includes(BAD_NAME))).toBe(true);
    for (const p of paths) expect(fromRaw(p), p.toString()).toEqual(fromFs(p));
    const a = fromRaw(Buffer.from(path.join(root, 'a.txt')));
    expect(a[1] % 1).not.toBe(0); // a sub-millisecond mtime went through
  });

  it('gives the names of fs.readdirSync, bytes as they are, in the same order', () => {
    const root = tree();
    for (const p of allPaths(root)) {
      if (!fs.lstatSync(p).isDirectory()) continue;
      expect(readdirNames(p)).toEqual(fs.readdirSync(p, { encoding: 'buffer' }));
    }
  });

  it('throws the errors fs throws', () => {
    const missing = Buffer.from(path.join(tempDir(), 'nope'));
    const file = Buffer.from(path.join(tree(), 'a.txt'));
    const caught = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        const x = e as NodeJS.ErrnoException;
        return { name: x.name, code: x.code, message: x.message, syscall: x.syscall };
      }
      throw new Error('did not throw');
    };
    const out = new Float64Array(RAW_STAT_FIELDS);
    expect(caught(() => lstatInto(missing, out, 0))).toEqual(caught(() => fs.lstatSync(missing)));
    expect(caught(() => readdirNames(missing))).toEqual(caught(() => fs.readdirSync(missing)));
    expect(caught(() => readdirNames(file))).toEqual(caught(() => fs.readdirSync(file)));
    // A NUL byte goes to fs, which refuses the whole path (the binding would read up to the NUL).
    const nul = Buffer.concat([Buffer.from(path.dirname(file.toString())), Buffer.from([0])]);
    expect(caught(() => lstatInto(nul, out, 0))).toEqual(caught(() => fs.lstatSync(nul)));
  });

  it('goes through fs when fs.lstatSync is not Node’s own (a patch, a mock, a test hook)', () => {
    const root = tree();
    const seen: string[] = [];
    const lstat = fs.lstatSync;
    vi.spyOn(fs, 'lstatSync').mockImplementation(((p: fs.PathLike, o?: fs.StatSyncOptions) => {
      seen.push(String(p));
      return lstat(p, o as never);
    }) as typeof fs.lstatSync);
    expect(usesBinding()).toBe(false);
    lstatInto(Buffer.from(root), new Float64Array(RAW_STAT_FIELDS), 0);
    expect(seen).toEqual([root]);
  });

  it('the walk lists the same directories with and without it', () => {
    const root = tree();
    const rules = { ...DEFAULT_RULES, hidden: false };
    const walk = () => {
      const lister = new DirectoryLister({ rules, gitignores: {} });
      const out: unknown[] = [];
      const stack = [Buffer.from(root)];
      while (stack.length > 0) {
        const dir = stack.pop()!;
        const st = fs.lstatSync(dir);
        const l = lister.list(dir, '', { ino: st.ino, dev: st.dev });
        out.push({
          ...l,
          error: l.error?.message,
          errors: l.errors.map((e) => [e.index, e.op, e.error.message]),
        });
        for (let i = 0; i < l.codes.length; i++) {
          if (l.codes[i] === DIR) stack.push(Buffer.concat([dir, Buffer.from('/'), nameAt(l, i)]));
        }
      }
      return out;
    };
    const fast = walk();
    rawFsDefaults.enabled = false;
    expect(usesBinding()).toBe(false);
    const slow = walk();
    expect(fast.length).toBeGreaterThan(5);
    expect(fast).toEqual(slow);
  });
});
