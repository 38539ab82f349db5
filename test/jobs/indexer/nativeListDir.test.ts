import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { duplicatesJob } from '../../../src/jobs/duplicates/duplicatesJob.js';
import { makeDuplicateTree } from '../duplicates/tree.js';
import { DEFAULT_RULES } from '../../../src/jobs/indexer/rules.js';
import { DirectoryLister, UNREADABLE } from '../../../src/jobs/indexer/walk/listDirectory.js';
import {
  type NativeListing,
  NOT_EXPECTED,
  nativeList,
  nativeListDirDefaults,
  usesNativeListDir,
} from '../../../src/jobs/fs/nativeListDir.js';
import { RAW_STAT_FIELDS, rawFsDefaults } from '../../../src/jobs/fs/rawFs.js';
import { runJob } from '../../../src/machines/runJob.js';
import { tempDir } from '../../machines/helpers.js';
import { askBuilt } from '../askBuilt.js';
import { BAD_NAME, makeTree } from './tree.js';

afterEach(() => {
  nativeListDirDefaults.enabled = true;
  nativeListDirDefaults.afterList = undefined;
  rawFsDefaults.enabled = true;
});

/** A tree with files (a sub-millisecond mtime), dirs, symlinks, a FIFO and a name that is not UTF-8. */
function tree(): string {
  const root = path.join(tempDir(), 'tree');
  makeTree(root);
  fs.utimesSync(path.join(root, 'a.txt'), 1_700_000_000.123456, 1_700_000_001.987654);
  execFileSync('mkfifo', [path.join(root, 'pipe')]);
  return root;
}

/** Every directory under root, root first (not following links). */
function directories(root: string): Buffer[] {
  const out = [Buffer.from(root)];
  for (let i = 0; i < out.length; i++) {
    for (const name of fs.readdirSync(out[i], { encoding: 'buffer' })) {
      const full = Buffer.concat([out[i], Buffer.from('/'), name]);
      if (fs.lstatSync(full).isDirectory()) out.push(full);
    }
  }
  return out;
}

function listed(dir: Buffer): NativeListing {
  const st = fs.lstatSync(dir);
  const listing = nativeList(dir, { ino: st.ino, dev: st.dev });
  if (listing === null || listing === NOT_EXPECTED) throw new Error(`not listed: ${String(listing)}`);
  return listing;
}

function namesOf(listing: NativeListing): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0, start = 0; i < listing.ends.length; start = listing.ends[i], i++) {
    out.push(Buffer.from(listing.names.subarray(start, listing.ends[i])));
  }
  return out;
}

describe('the native directory reader (native/listdir.c)', () => {
  it('is built and in use on this machine (Linux, the check against fs passes)', () => {
    expect(process.platform).toBe('linux');
    expect(usesNativeListDir()).toBe(true);
  });

  it("gives fs.readdirSync's names in its order, and fs.lstatSync's numbers to the last bit, for every entry", () => {
    const root = tree();
    const dirs = directories(root);
    expect(dirs.length).toBeGreaterThan(3);
    let entries = 0;
    let seenBadName = false;
    let seenFifo = false;
    for (const dir of dirs) {
      const listing = listed(dir);
      const names = namesOf(listing);
      expect(names).toEqual(fs.readdirSync(dir, { encoding: 'buffer' }));
      names.forEach((name, i) => {
        const st = fs.lstatSync(Buffer.concat([dir, Buffer.from('/'), name]));
        const got = [...listing.stats.subarray(i * RAW_STAT_FIELDS, (i + 1) * RAW_STAT_FIELDS)];
        expect(got, name.toString()).toEqual([st.size, st.mtimeMs, st.ctimeMs, st.ino, st.dev, st.mode]);
        expect(listing.errnos[i]).toBe(0);
        seenBadName ||= name.equals(BAD_NAME);
        seenFifo ||= st.isFIFO();
        entries++;
      });
    }
    expect(entries).toBeGreaterThan(15);
    expect(seenBadName && seenFifo).toBe(true);
    const a = listed(Buffer.from(root));
    const at = namesOf(a).findIndex((n) => n.toString() === 'a.txt');
    expect(a.stats[at * RAW_STAT_FIELDS + 1] % 1).not.toBe(0); // the sub-millisecond mtime went through
  });

  it('refuses a directory that is not the one expected: another inode, a symlink to it, a file', () => {
    const root = tree();
    const base = path.dirname(root);
    const st = fs.lstatSync(root);
    const dir = Buffer.from(root);
    expect(nativeList(dir, { ino: st.ino + 1, dev: st.dev })).toBe(NOT_EXPECTED);
    expect(nativeList(dir, { ino: st.ino, dev: st.dev + 1 })).toBe(NOT_EXPECTED);
    const link = path.join(base, 'link');
    fs.symlinkSync(root, link);
    // With the identity of the directory it points to, and with no identity but not to be followed.
    expect(nativeList(Buffer.from(link), { ino: st.ino, dev: st.dev })).toBe(NOT_EXPECTED);
    expect(nativeList(Buffer.from(link), undefined, true)).toBe(NOT_EXPECTED);
    const file = Buffer.from(path.join(root, 'a.txt'));
    const fst = fs.lstatSync(file);
    expect(nativeList(file, { ino: fst.ino, dev: fst.dev })).toBe(NOT_EXPECTED);
    // A given path (no identity, followed as readdir follows it) lists the directory it names.
    const followed = nativeList(Buffer.from(link));
    expect(followed).not.toBe(NOT_EXPECTED);
    expect(namesOf(followed as NativeListing)).toEqual(fs.readdirSync(root, { encoding: 'buffer' }));
  });

  it('leaves what it cannot read to fs (null): a missing path, a file given as a path, a NUL byte', () => {
    const root = tree();
    expect(nativeList(Buffer.from(path.join(root, 'nope')))).toBeNull();
    expect(nativeList(Buffer.from(path.join(root, 'a.txt')))).toBeNull();
    expect(nativeList(Buffer.concat([Buffer.from(root), Buffer.from([0])]))).toBeNull();
  });

  it('an entry whose lstat failed is asked of fs again: the error recorded is the one fs throws', () => {
    const root = tree();
    const gone = path.join(root, 'a.txt');
    let index = -1;
    // As if a.txt was deleted between the directory's read and its entry's lstat.
    nativeListDirDefaults.afterList = (_, listing) => {
      nativeListDirDefaults.afterList = undefined;
      index = namesOf(listing).findIndex((n) => n.toString() === 'a.txt');
      listing.errnos[index] = -2;
      listing.stats.fill(0, index * RAW_STAT_FIELDS, (index + 1) * RAW_STAT_FIELDS);
      fs.rmSync(gone);
    };
    const lister = new DirectoryLister({ rules: { ...DEFAULT_RULES, hidden: false }, gitignores: {} });
    const listing = lister.list(Buffer.from(root), '');
    expect(index).toBeGreaterThanOrEqual(0);
    expect(listing.codes[index]).toBe(UNREADABLE);
    let thrown: NodeJS.ErrnoException | undefined;
    try {
      fs.lstatSync(gone);
    } catch (error) {
      thrown = error as NodeJS.ErrnoException;
    }
    expect(listing.errors).toHaveLength(1);
    expect(listing.errors[0]).toMatchObject({ index, op: 'lstat' });
    expect((listing.errors[0].error as Error).message).toBe(thrown?.message);
  });

  it('lists in the right order from several threads at once (the built module in two workers and this thread)', async () => {
    const dir = path.join(tempDir(), 'many');
    fs.mkdirSync(dir);
    // Names whose order a sort with the wrong names would scramble: random, of several lengths.
    for (let i = 0; i < 3000; i++)
      fs.writeFileSync(path.join(dir, `${((i * 7919) % 3001).toString(36)}-${i}`), '');
    const want = fs.readdirSync(dir, { encoding: 'buffer' });
    const module = path.resolve(import.meta.dirname, '../../../dist/jobs/fs/nativeListDir.js');
    const body = `
      const { parentPort, workerData } = await import('node:worker_threads');
      const { readdirSync } = await import('node:fs');
      const { nativeList } = await import(workerData.module);
      const want = readdirSync(workerData.dir, { encoding: 'buffer' }).map((b) => b.toString('latin1')).join('/');
      let wrong = 0;
      for (let k = 0; k < 500; k++) {
        const l = nativeList(Buffer.from(workerData.dir));
        const names = [];
        for (let i = 0, s = 0; i < l.ends.length; s = l.ends[i], i++) names.push(Buffer.from(l.names.subarray(s, l.ends[i])).toString('latin1'));
        if (names.join('/') !== want) wrong++;
      }
      parentPort.postMessage(wrong);`;
    const { Worker } = await import('node:worker_threads');
    const workers = [0, 1].map(
      () =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(`(async () => {${body}})()`, { eval: true, workerData: { module, dir } });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    );
    // The workers list while this thread does (they run on their own threads, started above).
    await new Promise((r) => setTimeout(r, 50));
    let wrong = 0;
    for (let k = 0; k < 500; k++) {
      const l = nativeList(Buffer.from(dir));
      if (l === null || l === NOT_EXPECTED || !namesOf(l).every((n, i) => n.equals(want[i]))) wrong++;
    }
    expect([wrong, ...(await Promise.all(workers))]).toEqual([0, 0, 0]);
  }, 60_000);

  it('is off with PHASEKIT_NATIVE=0 (the built module, in a process of its own)', () => {
    const ask = (env: NodeJS.ProcessEnv) =>
      askBuilt('jobs/fs/nativeListDir.js', 'm.usesNativeListDir()', env);
    expect(ask({ PHASEKIT_NATIVE: '0' })).toBe('false');
    expect(ask({ PHASEKIT_NATIVE: '' })).toBe('true');
  });

  it('duplicate detection walks a tree to the same files, counts and groups with it and without', async () => {
    const root = path.join(tempDir(), 'dups');
    makeDuplicateTree(root);
    fs.symlinkSync(path.join(root, 'edges'), path.join(root, 'link-to-edges'));
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    const run = async () => {
      const listings = nativeListDirDefaults.listings;
      const result = await runJob(duplicatesJob, { paths: [root], mode: 'content' }).result;
      expect(result.status).toBe('completed');
      return { result, native: nativeListDirDefaults.listings - listings };
    };
    const fast = await run();
    nativeListDirDefaults.enabled = false;
    const slow = await run();
    expect(fast.native).toBeGreaterThan(3);
    expect(slow.native).toBe(0);
    // The output holds the groups and every count (files, bytes, symlinks, unique sizes, hashes read).
    expect(fast.result.output).toEqual(slow.result.output);
    expect(fast.result.errors).toEqual(slow.result.errors);
  });
});
