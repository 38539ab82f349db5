import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../machines/helpers.js';
import { cli, phasekit, requireBuiltCli } from './phasekitProcess.js';

requireBuiltCli();

describe('a job that does not end well says so on stderr, whatever stdout shows', () => {
  it('a failed job: one `phasekit:` line on stderr with its reason, exit 1 (into a pipe and on a terminal)', () => {
    const dir = tempDir();
    const args = [
      'copy',
      path.join(dir, 'missing'),
      path.join(dir, 'to'),
      '--library',
      path.join(dir, 'l.db'),
    ];
    const piped = phasekit(args);
    expect(piped.code).toBe(1);
    expect(piped.stderr).toMatch(
      /^phasekit: Job [0-9a-f-]{36} failed: No such file or directory: .*missing/m,
    );
    expect(JSON.parse(piped.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      type: 'result',
      status: 'failed',
    });
    // On a terminal (script gives the CLI one), with stdout thrown away: the reason is still seen.
    const tty = spawnSync(
      'script',
      [
        '-qec',
        `"${process.execPath}" "${cli}" ${args.map((a) => `"${a}"`).join(' ')} >/dev/null`,
        '/dev/null',
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(tty.status).toBe(1);
    expect(tty.stdout).toMatch(/phasekit: Job [0-9a-f-]{36} failed: No such file or directory/);
  });

  it('a copy whose items failed (a FIFO in the tree): stderr names the count, exit 1', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src/a.txt'), 'a');
    spawnSync('mkfifo', [path.join(dir, 'src/pipe')]);
    const r = phasekit([
      'copy',
      path.join(dir, 'src'),
      path.join(dir, 'to'),
      '--library',
      path.join(dir, 'l.db'),
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^phasekit: 1 paths? could not be copied/m);
    expect(fs.readFileSync(path.join(dir, 'to/a.txt'), 'utf8')).toBe('a');
  });
});
