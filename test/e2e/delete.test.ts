import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../machines/helpers.js';
import { cli, killAfter as killAfterTrigger, lastJson, phasekit as run } from './phasekitProcess.js';

const root = path.resolve(import.meta.dirname, '../..');
const dist = (p: string) => JSON.stringify(path.join(root, 'dist', p));

/**
 * Start a permanent delete of `target` in a child process (the built library, not the CLI) that SIGKILLs
 * itself as it is about to open its `killAt`-th directory: a deterministic kill point. With `id`, resume that
 * job instead. Prints the job id first.
 */
function killedAtDirectory(library: string, target: string, killAt: number, id?: string) {
  const script = `
    import fs from 'node:fs';
    import { deleteJob } from ${dist('jobs/delete/deleteJob.js')};
    import { resumeJob, runJob } from ${dist('index.js')};
    import { SqliteStore } from ${dist('sqlite.js')};
    import { openLibrary } from ${dist('jobs/library/openLibrary.js')};
    const [library, target, killAt, id] = process.argv.slice(1);
    const lib = openLibrary(library);
    const store = new SqliteStore(lib.db);
    let opened = 0;
    const deps = { library: lib, beforeOpenDir: () => { if (++opened === Number(killAt)) process.kill(process.pid, 'SIGKILL'); } };
    const run = id
      ? await resumeJob(deleteJob, id, { store, deps })
      : runJob(deleteJob, { paths: [target], mode: 'permanent', confirm: true }, { store, deps });
    fs.writeSync(1, run.id + String.fromCharCode(10));
    await run.result;
  `;
  const child = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', script, library, target, String(killAt), ...(id ? [id] : [])],
    { encoding: 'utf8' },
  );
  return { signal: child.signal, id: child.stdout.trim().split('\n')[0], stderr: child.stderr };
}

/** Run the CLI as `nobody` (the tests run as root, for whom permissions do not apply). */
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

beforeAll(() => {
  if (!fs.existsSync(cli))
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test.');
});

const phasekit = (args: string[], env: NodeJS.ProcessEnv = {}) => run(args, { env });

const killAfter = (args: string[], ms: number) => killAfterTrigger(args, ms, '"phase":"deleting"');

describe('phasekit delete', () => {
  it('SIGKILLed at random moments of a permanent delete of 12,000 files, resumed each time: the targets are gone and nothing else', async () => {
    const base = tempDir();
    const targets = [path.join(base, 'big'), path.join(base, 'second'), path.join(base, 'single.txt')];
    for (let d = 0; d < 120; d++) {
      const dir = path.join(base, `big/g${d % 10}/d${d}`);
      fs.mkdirSync(dir, { recursive: true });
      for (let f = 0; f < 100; f++) fs.writeFileSync(path.join(dir, `f${f}`), 'x');
    }
    fs.mkdirSync(path.join(base, 'second/deep/er'), { recursive: true });
    fs.writeFileSync(path.join(base, 'second/deep/er/f'), 'f');
    fs.writeFileSync(path.join(base, 'single.txt'), 's');
    fs.writeFileSync(path.join(base, 'keep.txt'), 'keep');
    const library = path.join(tempDir(), 'lib.db');
    const seed = Number(process.env.PHASEKIT_CRASH_SEED ?? 77);
    const moments = fc.sample(fc.integer({ min: 0, max: 60 }), { seed, numRuns: 30 });
    let kills = 0;
    let id: string | undefined;
    let finished: { code: number | null; out: string } | undefined;
    for (const ms of moments) {
      const args = id
        ? ['resume', id, '--library', library, '--json']
        : ['delete', ...targets, '--mode', 'permanent', '--yes', '--library', library, '--json'];
      const run = await killAfter(args, ms);
      id ??= /"jobId":"([0-9a-f-]{36})"/.exec(run.out)?.[1];
      if (run.signal !== 'SIGKILL') {
        finished = run;
        break;
      }
      kills++;
      if (kills >= 6) break;
    }
    expect(kills).toBeGreaterThanOrEqual(4);
    if (!finished) {
      const last = phasekit(['resume', id!, '--library', library, '--json']);
      finished = { code: last.code, out: last.stdout + last.stderr };
    }
    expect(finished.code, finished.out).toBe(0);
    const result = lastJson(finished.out);
    expect(result.output.targets).toBe(3);
    expect(result.errorCount).toBe(0);
    expect(fs.readdirSync(base)).toEqual(['keep.txt']);
    // Counts equal what was removed, however the kills fell (12,000 + 2 files; big/, 10 g*, 120 d*, 3 in second/).
    expect(result.output).toMatchObject({ files: 12_002, dirs: 134, alreadyGone: 0, failed: 0 });
  }, 240_000);

  it('trashes by default into $XDG_DATA_HOME/Trash; refuses permanent without --yes and the home directory always', () => {
    const base = tempDir();
    const xdg = path.join(base, 'xdg');
    const library = path.join(base, 'lib.db');
    fs.writeFileSync(path.join(base, 'f.txt'), 'f');
    const noYes = phasekit(['delete', path.join(base, 'f.txt'), '--mode', 'permanent', '--library', library]);
    expect(noYes.code).toBe(1);
    expect(noYes.stderr).toMatch(/cannot be undone: add --yes/);
    const home = phasekit([
      'delete',
      process.env.HOME ?? '/root',
      '--mode',
      'permanent',
      '--yes',
      '--library',
      library,
      '--json',
    ]);
    expect(home.code).toBe(1);
    expect(lastJson(home.stdout).failure.message).toMatch(/home directory/);
    expect(fs.existsSync(path.join(base, 'f.txt'))).toBe(true);
    const trashed = phasekit(['delete', path.join(base, 'f.txt'), '--library', library, '--json'], {
      XDG_DATA_HOME: xdg,
    });
    expect(trashed.code, trashed.stderr).toBe(0);
    expect(fs.readFileSync(path.join(xdg, 'Trash/files/f.txt'), 'utf8')).toBe('f');
    expect(fs.readFileSync(path.join(xdg, 'Trash/info/f.txt.trashinfo'), 'utf8')).toContain(
      `Path=${path.join(base, 'f.txt')}\n`,
    );
  });

  it('counts after SIGKILLs at chosen directories and resumes equal what existed: files, dirs, nothing under-reported', () => {
    const base = tempDir();
    const tree = path.join(base, 'tree');
    let files = 0;
    let dirs = 1;
    for (let d = 0; d < 12; d++) {
      fs.mkdirSync(path.join(tree, `d${d}/inner`), { recursive: true });
      dirs += 2;
      for (let f = 0; f < 40; f++, files += 2) {
        fs.writeFileSync(path.join(tree, `d${d}/f${f}`), 'x');
        fs.writeFileSync(path.join(tree, `d${d}/inner/f${f}`), 'y');
      }
    }
    const library = path.join(base, 'lib.db');
    // Killed as it opens the 5th directory, then (resumed) the 3rd: each kill falls after
    // files and directories were removed since the last target checkpoint.
    let id: string | undefined;
    for (const killAt of [5, 3]) {
      const killed = killedAtDirectory(library, tree, killAt, id);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      id ??= killed.id;
    }
    expect(fs.readdirSync(tree).length).toBeLessThan(12);
    const last = phasekit(['resume', id!, '--library', library, '--json']);
    expect(last.code, last.stderr).toBe(0);
    expect(lastJson(last.stdout).output).toMatchObject({ files, dirs, alreadyGone: 0, failed: 0 });
    expect(fs.readdirSync(base)).toEqual(
      ['lib.db', 'lib.db-shm', 'lib.db-wal'].filter((f) => fs.existsSync(path.join(base, f))),
    );
  });

  it.skipIf(!asRoot)(
    'as a non-root user: a delete killed after some paths failed, then resumed, still exits 1 naming them',
    () => {
      const base = tempDir();
      const tree = path.join(base, 'tree');
      for (const d of ['locked', 'zlast']) fs.mkdirSync(path.join(tree, d), { recursive: true });
      for (let f = 0; f < 3; f++) fs.writeFileSync(path.join(tree, `locked/f${f}`), 'l');
      for (let f = 0; f < 20; f++) fs.writeFileSync(path.join(tree, `zlast/f${f}`), 'z');
      spawnSync('chown', ['-R', `${NOBODY}:${NOBODY}`, base]);
      fs.chmodSync(path.join(tree, 'locked'), 0o555);
      const library = path.join(base, 'lib.db');
      // Killed as it enters zlast: the failures in locked/ are behind it, in the checkpoint.
      const script = `
        import { runJob } from ${dist('index.js')};
        import { SqliteStore } from ${dist('sqlite.js')};
        import { deleteJob } from ${dist('jobs/delete/deleteJob.js')};
        import { openLibrary } from ${dist('jobs/library/openLibrary.js')};
        const lib = openLibrary(process.argv[1]);
        const store = new SqliteStore(lib.db);
        const deps = { library: lib, beforeOpenDir: (p) => { if (String(p).endsWith('/zlast')) process.kill(process.pid, 'SIGKILL'); } };
        const run = runJob(deleteJob, { paths: [process.argv[2]], mode: 'permanent', confirm: true }, { store, deps });
        process.stdout.write(run.id + String.fromCharCode(10));
        await run.result;`;
      const killed = spawnSync(process.execPath, ['--input-type=module', '-e', script, library, tree], {
        encoding: 'utf8',
        uid: NOBODY,
        gid: NOBODY,
      });
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const id = killed.stdout.trim().split('\n')[0];
      const resumed = run(['resume', id, '--library', library], { uid: NOBODY });
      expect(resumed.code, resumed.stdout + resumed.stderr).toBe(1);
      const result = lastJson(resumed.stdout);
      expect(result.output).toMatchObject({ failed: 3 });
      expect(result.failures).toMatchObject({
        count: 3,
        label: 'path(s) could not be deleted and are still there',
      });
      expect(result.failures.lines).toHaveLength(3);
      expect(fs.readdirSync(tree)).toEqual(['locked']);
    },
  );

  it.skipIf(!asRoot)(
    'as a non-root user: EACCES inside a target does not stop it — every other path goes, each refused path is reported, exit 1',
    () => {
      const base = tempDir();
      const tree = path.join(base, 'tree');
      for (const d of ['ok', 'locked', 'noread', 'zlast'])
        fs.mkdirSync(path.join(tree, d), { recursive: true });
      for (let f = 0; f < 50; f++) {
        fs.writeFileSync(path.join(tree, `ok/f${f}`), 'o');
        fs.writeFileSync(path.join(tree, `zlast/f${f}`), 'z');
      }
      for (let f = 0; f < 5; f++) fs.writeFileSync(path.join(tree, `locked/f${f}`), 'l');
      for (let f = 0; f < 3; f++) fs.writeFileSync(path.join(tree, `noread/f${f}`), 'n');
      fs.writeFileSync(path.join(base, 'in-locked-dir.txt'), 't');
      spawnSync('chown', ['-R', `${NOBODY}:${NOBODY}`, base]);
      fs.chmodSync(path.join(tree, 'locked'), 0o555);
      fs.chmodSync(path.join(tree, 'noread'), 0o000);
      const library = path.join(base, 'lib.db');
      const done = run(['delete', tree, '--mode', 'permanent', '--yes', '--library', library, '--json'], {
        uid: NOBODY,
      });
      expect(done.code, done.stderr).toBe(1);
      const result = lastJson(done.stdout);
      expect(done.stderr).toMatch(/6 path\(s\) could not be deleted and are still there/);
      expect(result.status).toBe('completed');
      expect(result.output).toMatchObject({ files: 100, dirs: 2, failed: 6 });
      expect(result.errors.map((e: { message: string }) => e.message).sort()).toEqual([
        ...[0, 1, 2, 3, 4].map(
          (f) =>
            `Could not delete ${tree}/locked/f${f}: permission denied: fix its permissions (or its folder’s), or delete it as its owner.`,
        ),
        `Could not delete ${tree}/noread: permission denied: fix its permissions (or its folder’s), or delete it as its owner.`,
      ]);
      expect(fs.readdirSync(tree).sort()).toEqual(['locked', 'noread']);
      expect(fs.readdirSync(path.join(tree, 'locked')).length).toBe(5);
      // A trash that fails (its folder is not writable) fails visibly too: reported, exit 1.
      const xdg = path.join(tempDir(), 'xdg');
      fs.mkdirSync(xdg);
      spawnSync('chown', ['-R', `${NOBODY}:${NOBODY}`, path.dirname(xdg)]);
      fs.chmodSync(base, 0o555);
      const trashLibrary = path.join(path.dirname(xdg), 'l.db');
      const trash = run(
        ['delete', path.join(base, 'in-locked-dir.txt'), '--library', trashLibrary, '--json'],
        {
          uid: NOBODY,
          env: { XDG_DATA_HOME: xdg },
        },
      );
      fs.chmodSync(base, 0o755);
      expect(trash.code, trash.stderr).toBe(1);
      expect(lastJson(trash.stdout).output).toMatchObject({ failed: 1, trashed: [] });
      expect(trash.stderr).toMatch(/1 path\(s\) could not be deleted/);
      expect(fs.existsSync(path.join(base, 'in-locked-dir.txt'))).toBe(true);
      expect(fs.readdirSync(path.join(xdg, 'Trash/info'))).toEqual([]);
      fs.chmodSync(path.join(tree, 'noread'), 0o755);
    },
  );

  it('refuses an ancestor of $HOME (HOME set for the child) unless --no-preserve-root', () => {
    const base = tempDir();
    fs.mkdirSync(path.join(base, 'home/user/docs'), { recursive: true });
    const library = path.join(tempDir(), 'lib.db');
    const env = { HOME: path.join(base, 'home/user') };
    const refused = phasekit(
      ['delete', path.join(base, 'home'), '--mode', 'permanent', '--yes', '--library', library, '--json'],
      env,
    );
    expect(refused.code).toBe(1);
    expect(lastJson(refused.stdout).failure.message).toMatch(
      /it holds your home directory .*--no-preserve-root/,
    );
    expect(fs.existsSync(path.join(base, 'home/user/docs'))).toBe(true);
    const forced = phasekit(
      [
        'delete',
        path.join(base, 'home'),
        '--mode',
        'permanent',
        '--yes',
        '--no-preserve-root',
        '--library',
        library,
        '--json',
      ],
      env,
    );
    expect(forced.code, forced.stderr).toBe(0);
    expect(fs.readdirSync(base)).toEqual([]);
  });
});
