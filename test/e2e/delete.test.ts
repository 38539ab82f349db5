import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../machines/helpers.js';
import { cli, killAfter as killAfterTrigger, phasekit as run } from './phasekitProcess.js';

const _root = path.resolve(import.meta.dirname, '../..');

beforeAll(() => {
  if (!fs.existsSync(cli))
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test.');
});

const phasekit = (args: string[], env: NodeJS.ProcessEnv = {}) => run(args, { env });

const killAfter = (args: string[], ms: number) => killAfterTrigger(args, ms, '"phase":"deleting"');

const lastJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!);

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
});
