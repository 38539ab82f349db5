import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Deterministic pseudo-random bytes. */
export function bytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = 0;
  for (let at = 0; at < size; at += 32) {
    crypto.createHash('sha256').update(`${seed}/${block++}`).digest().copy(out, at);
  }
  return out;
}

function write(root: string, rel: string, content: Buffer | string): string {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/**
 * A tree with every case duplicate detection must get right: same size but different content; the same first
 * and last 4 KiB but a different middle; identical files in several directories (small and large); hard links;
 * symlinks; empty files; many files of one size (some equal). `unreadable` is a file with a twin that the
 * caller may chmod 000.
 */
export function makeDuplicateTree(root: string, { manyOfOneSize = 600 } = {}) {
  write(root, 'same-size/a', bytes('a', 1000));
  write(root, 'same-size/b', bytes('b', 1000));
  const middle = bytes('middle', 40_000);
  const other = Buffer.from(middle);
  other.fill(0x55, 10_000, 30_000);
  write(root, 'edges/m1', middle);
  write(root, 'edges/m2', other);
  write(root, 'edges/m3', middle);
  for (const d of ['x', 'y/z', 'w']) {
    write(root, `dirs/${d}/photo.jpg`, bytes('photo', 250_000));
    write(root, `dirs/${d}/note.txt`, bytes('note', 700));
  }
  write(root, 'dirs/renamed.jpg', bytes('photo', 250_000));
  const original = write(root, 'links/original', bytes('linked', 5000));
  fs.linkSync(original, path.join(root, 'links/hardlink'));
  write(root, 'links/copy', bytes('linked', 5000));
  const lonely = write(root, 'links/lonely', bytes('lonely', 3333));
  fs.linkSync(lonely, path.join(root, 'links/lonely-link'));
  fs.symlinkSync('original', path.join(root, 'links/symlink'));
  fs.symlinkSync('../dirs', path.join(root, 'links/dirlink'));
  write(root, 'empty/e1', '');
  write(root, 'empty/e2', '');
  for (let i = 0; i < manyOfOneSize; i++) {
    write(
      root,
      `many/${Math.floor(i / 100)}/f${i}.dat`,
      `${String(i % (manyOfOneSize / 3)).padStart(8, '0')}`.repeat(8),
    );
  }
  const unreadable = write(root, 'locked/secret', bytes('secret', 9000));
  write(root, 'locked/twin', bytes('secret', 9000));
  return { unreadable };
}

/** `dev:ino` of a path: hard links compare equal. */
export function inodeOf(file: string): string {
  const st = fs.lstatSync(file);
  return `${st.dev}:${st.ino}`;
}

/** Groups as sorted lists of inodes, sorted: comparable across tools that pick different paths of one inode. */
export function canonical(groups: readonly (readonly string[])[]): string[][] {
  return groups
    .map((g) => [...new Set(g.map(inodeOf))].sort())
    .filter((g) => g.length >= 2)
    .sort((a, b) => a.join().localeCompare(b.join()));
}

/** The groups `jdupes -r` finds under `root`. */
export function jdupesGroups(root: string, extra: string[] = []): string[][] {
  const run = spawnSync('jdupes', ['-r', '-q', ...extra, root], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error)
    throw new Error(`jdupes is needed for this test (apt-get install jdupes): ${run.error.message}`);
  return run.stdout
    .split('\n\n')
    .map((block) => block.split('\n').filter((line) => line.length > 0))
    .filter((g) => g.length > 0);
}
