import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { answerAtOnce } from '../../src/cli/answerAtOnce.js';

const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'dist/cli');
/** Prints, at exit, whether commander was loaded (it is CommonJS: the require cache sees it). */
const REPORT =
  'data:text/javascript,import{createRequire}from"node:module";const r=createRequire(process.cwd()+"/");process.on("exit",()=>process.stderr.write("COMMANDER "+Object.keys(r.cache).some((f)=>f.includes("/commander/"))+"\\n"))';

function run(file: string, args: string[]) {
  const result = spawnSync(process.execPath, ['--import', REPORT, path.join(cli, file), ...args], {
    encoding: 'utf8',
    env: { ...process.env, COLUMNS: '' },
  });
  return { ...result, commander: /COMMANDER true/.test(result.stderr) };
}

describe('phasekit --version and --help start without the program', () => {
  it('answer as the program does, without loading commander', () => {
    for (const args of [['--version'], ['-V'], ['--help'], ['-h']]) {
      const fast = run('main.js', args);
      const program = run('program.js', args);
      expect(fast.status, args[0]).toBe(0);
      expect(fast.stdout, args[0]).toBe(program.stdout);
      expect(fast.commander, args[0]).toBe(false);
      // The check can see commander: the program loads it.
      expect(program.commander, args[0]).toBe(true);
    }
    // Anything else runs the program.
    expect(run('main.js', ['jobs', '--help']).commander).toBe(true);
  });
});

describe('answerAtOnce', () => {
  let tmp: string | undefined;
  afterEach(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** A dist/cli of its own: the saved help, the modules it is made from, and package.json two levels up. */
  function fakeCli(): { dir: URL; touch: (file: string, secondsFromNow: number) => void } {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'phasekit-answer-'));
    const dir = path.join(tmp, 'dist/cli');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(tmp, 'package.json'), '{ "version": "9.8.7" }');
    for (const file of ['program.js', 'commandTable.js', 'jobCommands.js'])
      fs.writeFileSync(path.join(dir, file), '');
    fs.writeFileSync(path.join(dir, 'help.txt'), 'Usage: phasekit\n');
    const touch = (file: string, secondsFromNow: number) => {
      const when = new Date(Date.now() + secondsFromNow * 1000);
      fs.utimesSync(path.join(dir, file), when, when);
    };
    for (const file of ['program.js', 'commandTable.js', 'jobCommands.js']) touch(file, -60);
    return { dir: pathToFileURL(`${dir}/`), touch };
  }

  function answer(args: string[], dir: URL, tty?: { columns: number }) {
    let text = '';
    const out = { isTTY: tty !== undefined, columns: tty?.columns, write: (t: string) => (text += t) };
    return { answered: answerAtOnce(args, out, dir), text };
  }

  it('gives the version and the saved help, and nothing else', () => {
    const { dir } = fakeCli();
    expect(answer(['--version'], dir)).toEqual({ answered: true, text: '9.8.7\n' });
    expect(answer(['-h'], dir)).toEqual({ answered: true, text: 'Usage: phasekit\n' });
    expect(answer(['--help'], dir, { columns: 120 })).toEqual({ answered: true, text: 'Usage: phasekit\n' });
    expect(answer(['index', '--help'], dir).answered).toBe(false);
    expect(answer(['--help', '--json'], dir).answered).toBe(false);
    expect(answer([], dir).answered).toBe(false);
  });

  it('leaves the help to the program when the saved one is older than a module it is made from', () => {
    const { dir, touch } = fakeCli();
    touch('jobCommands.js', 60);
    expect(answer(['--help'], dir).answered).toBe(false);
    // --version does not depend on it.
    expect(answer(['--version'], dir).answered).toBe(true);
  });

  it('leaves the help to the program when none was saved, or on a terminal narrower than its 80 columns', () => {
    const { dir } = fakeCli();
    expect(answer(['--help'], dir, { columns: 60 }).answered).toBe(false);
    fs.rmSync(new URL('help.txt', dir));
    expect(answer(['--help'], dir).answered).toBe(false);
  });
});
