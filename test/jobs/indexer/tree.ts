import fs from 'node:fs';
import path from 'node:path';

/** A name that is not valid UTF-8: `f\xff\xfe.t`. */
export const BAD_NAME = Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x74]);

/**
 * Build a tree with nested directories, empty files, symlinks (one to a file, one dangling, one looping back
 * to an ancestor), a non-UTF-8 name, hidden files and a .git directory.
 */
export function makeTree(root: string): void {
  const w = (rel: string, content: string | Buffer) => {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  };
  w('a.txt', 'hello');
  w('empty.bin', '');
  w('docs/readme.md', '# readme\n'.repeat(50));
  w('docs/deep/deeper/deepest/x.json', '{"x":1}');
  w('docs/deep/deeper/empty', '');
  w('.hidden/secret', 'shh');
  w('.profile', 'export X=1');
  w('.git/HEAD', 'ref: refs/heads/main');
  w('photos/one.jpg', Buffer.alloc(150_000, 7));
  w('photos/two.png', Buffer.alloc(120_000, 9));
  fs.mkdirSync(path.join(root, 'emptydir'));
  fs.symlinkSync('a.txt', path.join(root, 'link-to-a'));
  fs.symlinkSync('does-not-exist', path.join(root, 'dangling'));
  fs.symlinkSync('..', path.join(root, 'docs', 'loop'));
  fs.writeFileSync(Buffer.concat([Buffer.from(`${root}/docs/`), BAD_NAME]), 'bytes');
}

export interface DiskEntry {
  path: Buffer;
  kind: 'file' | 'dir' | 'symlink';
  size: number;
}

/** Every path under `root` (not following links), computed independently of the indexer. */
export function walkDisk(
  root: string,
  skip: (name: string) => boolean = () => false,
): Map<string, DiskEntry> {
  const out = new Map<string, DiskEntry>();
  const visit = (dir: Buffer) => {
    for (const name of fs.readdirSync(dir, { encoding: 'buffer' })) {
      if (skip(name.toString())) continue;
      const full = Buffer.concat([dir, Buffer.from('/'), name]);
      const st = fs.lstatSync(full);
      const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file';
      out.set(full.toString('latin1'), { path: full, kind, size: kind === 'dir' ? 0 : st.size });
      if (kind === 'dir') visit(full);
    }
  };
  visit(Buffer.from(root));
  return out;
}
