import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectSameTree, leftovers, writeBig } from '../jobs/copy/tree.js';
import { tempDir } from '../machines/helpers.js';
import { cli, killAfter as killAfterTrigger, phasekit as run } from './phasekitProcess.js';

const _root = path.resolve(import.meta.dirname, '../..');

beforeAll(() => {
  if (!fs.existsSync(cli))
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test.');
});

const phasekit = (args: string[], env: NodeJS.ProcessEnv = {}) => run(args, { env });

const killAfter = (args: string[], ms: number) => killAfterTrigger(args, ms, '"phase":"copying"');

const lastJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!);

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
});
