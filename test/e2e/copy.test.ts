import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { expectSameTree, leftovers, writeBig } from '../jobs/copy/tree.js';
import { tempDir } from '../machines/helpers.js';
import { cli, killAfter as killAfterTrigger, lastJson, phasekit as run } from './phasekitProcess.js';

const _root = path.resolve(import.meta.dirname, '../..');

beforeAll(() => {
  if (!fs.existsSync(cli))
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test.');
});

const phasekit = (args: string[], env: NodeJS.ProcessEnv = {}) => run(args, { env });

const killAfter = (args: string[], ms: number) => killAfterTrigger(args, ms, '"phase":"copying"');

describe('phasekit copy', () => {
  it('SIGKILLed at 10+ random moments of a copy with several large files, resumed each time: identical result, no temporary files, at most one chunk written again per kill', async () => {
    const src = path.join(tempDir(), 'src');
    for (let d = 0; d < 6; d++) {
      fs.mkdirSync(path.join(src, `d${d}`), { recursive: true });
      writeBig(path.join(src, `d${d}/large-${d}.bin`), 40 * 1024 * 1024 + d * 4099, d);
      for (let f = 0; f < 50; f++)
        fs.writeFileSync(path.join(src, `d${d}/small-${f}.txt`), `file ${d}/${f} `.repeat(1 + f * 37));
      fs.chmodSync(path.join(src, `d${d}/small-0.txt`), 0o640);
      fs.utimesSync(path.join(src, `d${d}/large-${d}.bin`), 1_500_000_000 + d, 1_500_000_000 + d);
    }
    fs.symlinkSync('d0/small-1.txt', path.join(src, 'link'));
    const dest = path.join(tempDir(), 'dest');
    const library = path.join(tempDir(), 'lib.db');
    const chunk = 2 * 1024 * 1024;
    const seed = Number(process.env.PHASEKIT_CRASH_SEED ?? 4242);
    const moments = fc.sample(fc.integer({ min: 0, max: 120 }), { seed, numRuns: 40 });
    let kills = 0;
    let id: string | undefined;
    let finished: { code: number | null; out: string } | undefined;
    for (const ms of moments) {
      const args = id
        ? ['resume', id, '--library', library, '--json']
        : ['copy', src, dest, '--chunk-mib', '2', '--library', library, '--json'];
      const run = await killAfter(args, ms);
      id ??= /"jobId":"([0-9a-f-]{36})"/.exec(run.out)?.[1];
      if (run.signal === 'SIGKILL') {
        kills++;
        // Never a partial file under its final name: every large file there is whole.
        for (let d = 0; d < 6; d++) {
          const st = fs.statSync(path.join(dest, `d${d}/large-${d}.bin`), { throwIfNoEntry: false });
          if (st) expect(st.size).toBe(40 * 1024 * 1024 + d * 4099);
        }
        if (kills >= 10) break;
      } else {
        finished = run;
        break;
      }
    }
    expect(kills).toBeGreaterThanOrEqual(10);
    if (!finished) {
      const last = phasekit(['resume', id!, '--library', library, '--json']);
      finished = { code: last.code, out: last.stdout + last.stderr };
    }
    expect(finished.code, finished.out).toBe(0);
    const result = lastJson(finished.out);
    expect(result.status).toBe('completed');
    expectSameTree(dest, src);
    expect(leftovers(dest)).toEqual([]);
    expect(result.output.files).toBe(6 * 51);
    expect(result.output.rewritten).toBeLessThanOrEqual(kills * chunk);
  }, 240_000);

  it('Ctrl-C pauses with exit 130 and the printed command resumes the copy to the end', async () => {
    const src = path.join(tempDir(), 'src');
    fs.mkdirSync(src);
    for (let i = 0; i < 4; i++) writeBig(path.join(src, `big${i}`), 32 * 1024 * 1024, i);
    const dest = path.join(tempDir(), 'dest');
    const library = path.join(tempDir(), 'lib.db');
    const child = spawn(
      process.execPath,
      [cli, 'copy', src, dest, '--chunk-mib', '1', '--library', library, '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('"phase":"copying"')) resolve();
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    const paused = lastJson(out);
    expect(paused.status).toBe('paused');
    const args = (paused.resume as string)
      .replace(/^phasekit /, '')
      .split(' ')
      .map((a) => a.replace(/^"|"$/g, ''));
    const resumed = phasekit([...args, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lastJson(resumed.stdout).output).toMatchObject({ files: 4 });
    expectSameTree(dest, src);
  }, 120_000);

  it('refuses bad input with one clear line and exit 1, writing nothing', () => {
    const dir = tempDir();
    const library = path.join(dir, 'lib.db');
    fs.mkdirSync(path.join(dir, 'src'));
    const missing = phasekit(['copy', path.join(dir, 'nope'), path.join(dir, 'out'), '--library', library]);
    expect(missing.code).toBe(1);
    expect(missing.stdout + missing.stderr).toMatch(/No such file or directory: .*nope/);
    const itself = phasekit([
      'copy',
      path.join(dir, 'src'),
      path.join(dir, 'src/inner'),
      '--library',
      library,
    ]);
    expect(itself.code).toBe(1);
    expect(itself.stdout + itself.stderr).toMatch(/into itself/);
    const policy = phasekit([
      'copy',
      path.join(dir, 'src'),
      path.join(dir, 'out'),
      '--on-conflict',
      'merge',
      '--library',
      library,
    ]);
    expect(policy.code).toBe(1);
    expect(policy.stderr).toMatch(/Unknown --on-conflict "merge": use overwrite, rename, skip or abort/);
    const one = phasekit(['copy', path.join(dir, 'src'), '--library', library]);
    expect(one.code).toBe(1);
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
    expect(fs.readdirSync(path.join(dir, 'src'))).toEqual([]);
  });

  it('killed right after a move put copies in place (before its checkpoint): resumed, it knows its own copies by inode and removes their sources; a file put at a later destination meanwhile keeps its source', () => {
    if (!fs.existsSync('/dev/shm') || fs.statSync('/dev/shm').dev === fs.statSync(tempDir()).dev) return;
    const src = path.join(tempDir(), 'src');
    fs.mkdirSync(src);
    const names = ['f1', 'f2', 'f3', 'f4', 'f5'];
    for (const n of names) fs.writeFileSync(path.join(src, n), `content of ${n}`);
    const shm = fs.mkdtempSync('/dev/shm/phasekit-e2e-');
    onTestFinished(() => fs.rmSync(shm, { recursive: true, force: true }));
    const dest = path.join(shm, 'dest');
    const library = path.join(tempDir(), 'lib.db');
    const killed = phasekit(
      ['copy', '--move', '--on-conflict', 'skip', src, dest, '--library', library, '--json'],
      { PHASEKIT_TEST_COPY_HOOK: 'kill-after-place:2' },
    );
    expect(killed.code, killed.stdout + killed.stderr).toBe(null); // SIGKILLed by the hook
    const id = /"jobId":"([0-9a-f-]{36})"/.exec(killed.stdout)![1];
    const out = dest;
    // Two copies in place, their sources still there; a file appears at a planned destination.
    expect(names.filter((n) => fs.existsSync(path.join(out, n))).length).toBe(2);
    expect(names.every((n) => fs.existsSync(path.join(src, n)))).toBe(true);
    const later = names.find((n) => !fs.existsSync(path.join(out, n)))!;
    fs.writeFileSync(path.join(out, later), 'theirs');

    const resumed = phasekit(['resume', id, '--library', library, '--json']);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const result = lastJson(resumed.stdout);
    expect(result.output).toMatchObject({ files: 4, skipped: 1, sourcesRemoved: 4, failed: 0 });
    expect(fs.readFileSync(path.join(out, later), 'utf8')).toBe('theirs');
    expect(fs.readFileSync(path.join(src, later), 'utf8')).toBe(`content of ${later}`);
    for (const n of names.filter((x) => x !== later)) {
      expect(fs.readFileSync(path.join(out, n), 'utf8')).toBe(`content of ${n}`);
      expect(fs.existsSync(path.join(src, n))).toBe(false);
    }
    expect(leftovers(dest)).toEqual([]);
  });

  it('phasekit cancel of a copy killed with copies in place removes its temporary names and its plan, and gives the directories it made their sources modes and times', () => {
    const src = path.join(tempDir(), 'src');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(src, 'sub', `f${i}`), `f${i}`);
    fs.chmodSync(path.join(src, 'sub'), 0o750);
    fs.chmodSync(src, 0o755);
    fs.utimesSync(path.join(src, 'sub'), 1_500_000_100, 1_500_000_100);
    fs.utimesSync(src, 1_500_000_000, 1_500_000_000);
    const dest = path.join(tempDir(), 'dest');
    const library = path.join(tempDir(), 'lib.db');
    const killed = phasekit(['copy', src, dest, '--library', library, '--json'], {
      PHASEKIT_TEST_COPY_HOOK: 'kill-after-place:3',
    });
    expect(killed.code).toBe(null);
    const id = /"jobId":"([0-9a-f-]{36})"/.exec(killed.stdout)![1];
    expect(leftovers(dest).length).toBeGreaterThan(0);
    const cancelled = phasekit(['cancel', id, '--library', library]);
    expect(cancelled.code, cancelled.stdout + cancelled.stderr).toBe(0);
    expect(leftovers(dest)).toEqual([]);
    // Made at 0700 so read-only sources can be filled: never left so (it used to be drwx------).
    for (const rel of ['', 'sub']) {
      const made = fs.lstatSync(path.join(dest, rel));
      const source = fs.lstatSync(path.join(src, rel));
      expect((made.mode & 0o7777).toString(8), rel).toBe((source.mode & 0o7777).toString(8));
      expect(made.mtimeMs, rel).toBe(source.mtimeMs);
    }
    const rows = spawnSync('sqlite3', [library, 'SELECT count(*) FROM job_plans'], { encoding: 'utf8' });
    if (rows.status === 0) expect(rows.stdout.trim()).toBe('0');
  });

  it('copies several files into a directory that does not exist (made, as cp -t users expect), exit 0', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.txt'), 'a');
    fs.writeFileSync(path.join(dir, 'b.txt'), 'b');
    const r = phasekit([
      'copy',
      `${dir}/a.txt`,
      `${dir}/b.txt`,
      `${dir}/newdir`,
      '--library',
      `${dir}/lib.db`,
      '--json',
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(lastJson(r.stdout).output).toMatchObject({ files: 2, totalFiles: 2, failed: 0 });
    expect(fs.readFileSync(`${dir}/newdir/a.txt`, 'utf8')).toBe('a');
    expect(fs.readFileSync(`${dir}/newdir/b.txt`, 'utf8')).toBe('b');
  });

  // Needs root, to drop to another user.
  it.skipIf(process.getuid?.() !== 0)(
    'a readable directory without x (as another user): the rest is copied, each path it holds is listed, exit 1',
    () => {
      const dir = tempDir();
      fs.chmodSync(dir, 0o777);
      const src = path.join(dir, 'src');
      fs.mkdirSync(path.join(src, 'nox'), { recursive: true });
      fs.writeFileSync(path.join(src, 'ok.txt'), 'ok');
      fs.writeFileSync(path.join(src, 'nox', 'one'), '1');
      fs.writeFileSync(path.join(src, 'nox', 'two'), '2');
      fs.chmodSync(path.join(src, 'nox'), 0o644); // r without x: names readable, entries not
      fs.chmodSync(src, 0o755);
      for (const f of ['ok.txt', 'nox/one', 'nox/two']) fs.chmodSync(path.join(src, f), 0o644);
      const r = run(['copy', src, path.join(dir, 'out'), '--library', path.join(dir, 'lib.db'), '--json'], {
        uid: 65534,
        env: { HOME: dir },
      });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      const result = lastJson(r.stdout);
      expect(result.status).toBe('completed');
      expect(result.output).toMatchObject({ files: 1, failed: 2 });
      expect(result.failures.count).toBe(2);
      expect(result.failures.lines.join('\n')).toContain(path.join(src, 'nox', 'one'));
      expect(result.failures.lines.join('\n')).toContain(path.join(src, 'nox', 'two'));
      expect(fs.readFileSync(path.join(dir, 'out', 'ok.txt'), 'utf8')).toBe('ok');
    },
  );

  it('killed right after a batch was checkpointed, before its temporary names were removed: resumed, none is left', () => {
    const src = path.join(tempDir(), 'src');
    fs.mkdirSync(src);
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(src, `f${i}`), `f${i}`);
    const dest = path.join(tempDir(), 'dest');
    const library = path.join(tempDir(), 'lib.db');
    // Small files batched a few bytes at a time: several batches.
    const killed = phasekit(['copy', src, dest, '--chunk-mib', '0.000004', '--library', library, '--json'], {
      PHASEKIT_TEST_COPY_HOOK: 'kill-after-commit:2',
    });
    expect(killed.code, killed.stdout + killed.stderr).toBe(null);
    const id = /"jobId":"([0-9a-f-]{36})"/.exec(killed.stdout)![1];
    expect(leftovers(dest).length).toBeGreaterThan(0);
    const resumed = phasekit(['resume', id, '--library', library, '--json']);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(lastJson(resumed.stdout).output).toMatchObject({ files: 6, failed: 0 });
    expectSameTree(dest, src);
    expect(leftovers(dest)).toEqual([]);
  });
});
