import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TargetGuard } from '../../../src/jobs/delete/targetGuard.js';
import { tempDir } from '../../machines/helpers.js';
import { del, workspace } from './workspace.js';

const cwd = process.cwd();
const home = process.env.HOME;
afterEach(() => {
  process.chdir(cwd);
  if (home === undefined) delete process.env.HOME;
  else process.env.HOME = home;
});

describe('delete: the library guard compares real paths and device+inode', () => {
  it('a library reached through a symlinked folder (PHASEKIT_HOME -> real dir): deleting the real folder is refused', async () => {
    const base = tempDir();
    const real = path.join(base, 'real-home');
    fs.mkdirSync(real);
    fs.symlinkSync(real, path.join(base, 'linked-home'));
    const ws = workspace(path.join(base, 'linked-home'));
    for (const target of [real, base]) {
      const { result } = await del(ws, { paths: [target], mode: 'permanent', confirm: true });
      expect(result.status).toBe('failed');
      expect(result.failure?.message).toMatch(/holds the library's own file/);
    }
    expect(fs.existsSync(path.join(real, 'library.db'))).toBe(true);
  });

  it('--mode secure leaves a hard link to library.db (or its -wal) inside a target alone and says so; the library stays whole', async () => {
    const ws = workspace();
    const base = tempDir();
    const tree = path.join(base, 'tree');
    fs.mkdirSync(path.join(tree, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'sub/other'), 'other');
    fs.linkSync(ws.library.file, path.join(tree, 'sub/library-link'));
    expect(fs.existsSync(`${ws.library.file}-wal`)).toBe(true);
    fs.linkSync(`${ws.library.file}-wal`, path.join(tree, 'wal-link'));
    const dbBefore = fs.readFileSync(ws.library.file);
    const { run, result } = await del(ws, { paths: [tree], mode: 'secure', confirm: true, passes: 1 });
    expect(result.status).toBe('completed');
    expect(result.output).toMatchObject({ files: 1, failed: 2 });
    expect(result.errors.map((e) => e.message).sort()).toEqual([
      expect.stringMatching(
        /^Left .*sub\/library-link alone: it is a hard link to the library's own file .*library\.db,/,
      ),
      expect.stringMatching(
        /^Left .*wal-link alone: it is a hard link to the library's own file .*library\.db-wal,/,
      ),
    ]);
    expect(fs.readdirSync(path.join(tree, 'sub'))).toEqual(['library-link']);
    // Not a byte of the database was overwritten (checkpoints go to the WAL), and it still reads.
    expect(fs.readFileSync(ws.library.file).equals(dbBefore)).toBe(true);
    expect(ws.library.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((await ws.store.load(run.id))?.record.status).toBe('completed');
  });

  it('a target that is a hard link to the library file is refused before anything is deleted', async () => {
    const ws = workspace();
    const base = tempDir();
    fs.linkSync(ws.library.file, path.join(base, 'looks-like-a-backup.db'));
    const { result } = await del(ws, {
      paths: [path.join(base, 'looks-like-a-backup.db')],
      mode: 'secure',
      confirm: true,
    });
    expect(result.status).toBe('failed');
    expect(result.failure?.message).toMatch(/it is the library's own file .*library\.db/);
    expect(fs.existsSync(path.join(base, 'looks-like-a-backup.db'))).toBe(true);
  });
});

describe('delete: / and the folders that hold home, the working directory or the library', () => {
  it('refuses an ancestor of $HOME, of the current directory and of the library; --no-preserve-root allows the first two', async () => {
    const ws = workspace();
    const base = tempDir();
    fs.mkdirSync(path.join(base, 'home/user'), { recursive: true });
    fs.mkdirSync(path.join(base, 'work/project'), { recursive: true });
    process.env.HOME = path.join(base, 'home/user');
    process.chdir(path.join(base, 'work/project'));
    const cases: [string, RegExp][] = [
      [path.join(base, 'home'), /it holds your home directory/],
      [path.join(base, 'home/user'), /it is your home directory/],
      [path.join(base, 'work'), /it holds the current directory/],
      ['.', /it is the current directory/],
      [path.dirname(ws.dir), /it holds the library's own file/],
    ];
    for (const [target, message] of cases) {
      const { result } = await del(ws, { paths: [target], mode: 'permanent', confirm: true });
      expect(result.status, target).toBe('failed');
      expect(result.failure?.name).toBe('DeleteRefusedError');
      expect(result.failure?.message).toMatch(message);
      expect(result.failure?.message).toMatch(/--no-preserve-root|Use another --library/);
    }
    expect(fs.existsSync(path.join(base, 'home/user'))).toBe(true);
    expect(fs.existsSync(path.join(base, 'work/project'))).toBe(true);
    // The library's folders stay refused even so; home and cwd ancestors go when asked explicitly.
    const forced = await del(ws, {
      paths: [path.join(base, 'home'), path.join(base, 'work')],
      mode: 'permanent',
      confirm: true,
      preserveRoot: false,
    });
    expect(forced.result.status).toBe('completed');
    expect(fs.readdirSync(base)).toEqual([]);
    process.chdir(cwd);
    const lib = await del(ws, {
      paths: [path.dirname(ws.dir)],
      mode: 'permanent',
      confirm: true,
      preserveRoot: false,
    });
    expect(lib.result.failure?.message).toMatch(/holds the library's own file/);
  });

  it('a symlink to the home directory is only a link: it is removed, the home directory stays', async () => {
    const ws = workspace();
    const base = tempDir();
    fs.mkdirSync(path.join(base, 'home'));
    fs.writeFileSync(path.join(base, 'home/keep'), 'k');
    process.env.HOME = path.join(base, 'home');
    fs.symlinkSync(path.join(base, 'home'), path.join(base, 'link'));
    const { result } = await del(ws, { paths: [path.join(base, 'link')], mode: 'permanent', confirm: true });
    expect(result.status).toBe('completed');
    expect(fs.readdirSync(base)).toEqual(['home']);
    expect(fs.readFileSync(path.join(base, 'home/keep'), 'utf8')).toBe('k');
  });

  it('refuses / and every top-level system directory by path and by identity, unless preserveRoot is false', () => {
    const guard = new TargetGuard({ preserveRoot: true });
    expect(guard.refusal(Buffer.from('/'))).toMatch(/it is the root directory/);
    const system = ['/usr', '/etc', '/var', '/bin', '/boot', '/opt', '/srv', '/root', '/home'];
    const libs = fs
      .readdirSync('/')
      .filter((n) => n.startsWith('lib'))
      .map((n) => `/${n}`);
    for (const dir of [...system, ...libs]) {
      if (!fs.existsSync(dir)) continue;
      expect(guard.refusal(Buffer.from(dir)), dir).toMatch(
        /system directory|holds your home directory|is your home directory/,
      );
    }
    // Reached through a symlink to it, or a path that normalises to it.
    const base = tempDir();
    fs.symlinkSync('/', path.join(base, 'root-link'));
    expect(guard.refusal(Buffer.from(path.join(base, 'root-link/usr')))).toMatch(/system directory \/usr/);
    const loose = new TargetGuard({ preserveRoot: false });
    expect(loose.refusal(Buffer.from('/usr'))).toBeUndefined();
  });
});
