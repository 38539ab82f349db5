import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commandTable.js';
import { tempDir } from '../machines/helpers.js';

const root = path.resolve(import.meta.dirname, '../..');
const main = path.join(root, 'dist/cli/main.js');
/** Prints, at exit, the native modules the process loaded. */
const REPORT =
  'data:text/javascript,process.on("exit",()=>process.stderr.write("NATIVE "+JSON.stringify(process.report.getReport().sharedObjects.filter((f)=>f.endsWith(".node")))+"\\n"))';

function natives(args: string[]): string[] {
  const { stderr } = spawnSync(process.execPath, ['--import', REPORT, main, ...args], { encoding: 'utf8' });
  const line = stderr.split('\n').find((l) => l.startsWith('NATIVE '));
  return JSON.parse(line!.slice('NATIVE '.length));
}

/** Prints, at exit, the CommonJS modules the process loaded (packages' files, by path). */
const CJS =
  'data:text/javascript,import M from "node:module";process.on("exit",()=>process.stderr.write("CJS "+JSON.stringify(Object.keys(M._cache))+"\\n"))';

function loaded(args: string[]): { natives: string[]; cjs: string[]; code: number | null } {
  const { stderr, status } = spawnSync(
    process.execPath,
    ['--import', REPORT, '--import', CJS, main, ...args],
    {
      encoding: 'utf8',
    },
  );
  const line = (prefix: string) =>
    JSON.parse(
      stderr
        .split('\n')
        .find((l) => l.startsWith(prefix))!
        .slice(prefix.length),
    );
  return { natives: line('NATIVE '), cjs: line('CJS '), code: status };
}

/** Logs, on stderr, every module URL the process loads (a loader hook). */
const LOADS =
  'data:text/javascript,import{register}from"node:module";register("data:text/javascript,export async function load(u,c,n){process._rawDebug(\\"LOAD \\"+u);return n(u,c)}")';

describe('the CLI loads a command only when it runs', () => {
  it('runs the bundled program: of the tsc modules in dist/cli only the bin and its --help file reader', () => {
    const { stderr, status } = spawnSync(
      process.execPath,
      ['--import', LOADS, main, 'jobs', '--library', path.join(tempDir(), 'none.db')],
      { encoding: 'utf8' },
    );
    expect(status, stderr).toBe(0);
    const urls = stderr
      .split('\n')
      .filter((l) => l.startsWith('LOAD '))
      .map((l) => l.slice('LOAD '.length));
    const ours = urls
      .filter((u) => u.startsWith(`file://${root}/dist/`))
      .map((u) => u.slice(`file://${root}/`.length));
    expect(ours).toContain('dist/bundle/cli.js');
    expect(ours.filter((u) => !u.startsWith('dist/bundle/'))).toEqual([
      'dist/cli/main.js',
      'dist/cli/answerAtOnce.js',
    ]);
    // Each command is a chunk of its own: `jobs` loads neither the job descriptors nor the indexer.
    expect(ours.filter((u) => /Descriptor|indexer|discovery/.test(u))).toEqual([]);
  });

  it('a shallow index loads neither the hash binding nor the MIME registry; a content index does', () => {
    const dir = tempDir();
    const tree = path.join(dir, 'tree');
    fs.mkdirSync(tree);
    fs.writeFileSync(path.join(tree, 'a.txt'), 'a');
    const shallow = loaded(['index', tree, '--library', path.join(dir, 'shallow.db'), '--json']);
    expect(shallow.code).toBe(0);
    expect(shallow.natives.some((f) => f.includes('better_sqlite3'))).toBe(true);
    expect(shallow.natives.filter((f) => f.includes('blake'))).toEqual([]);
    expect(shallow.cjs.filter((f) => f.includes('mime-'))).toEqual([]);
    const content = loaded([
      'index',
      tree,
      '--mode',
      'content',
      '--library',
      path.join(dir, 'content.db'),
      '--json',
    ]);
    expect(content.code).toBe(0);
    expect(content.natives.some((f) => f.includes('blake'))).toBe(true);
    expect(content.cjs.some((f) => f.includes('mime-db'))).toBe(true);
  });

  it('prints --version and --help without loading any job or native module', () => {
    expect(execFileSync(process.execPath, [main, '--version'], { encoding: 'utf8' }).trim()).toMatch(
      /^\d+\.\d+\.\d+/,
    );
    expect(execFileSync(process.execPath, [main, '--help'], { encoding: 'utf8' })).toContain('duplicates');
    expect(natives(['--version'])).toEqual([]);
    expect(natives(['--help'])).toEqual([]);
    // A command that runs a job does load them: the check above can see a native module.
    expect(natives(['thumbnails', '--help']).length).toBeGreaterThan(0);
  });

  it('shows, for every command, the summary the command itself declares', async () => {
    for (const entry of COMMANDS) {
      const program = new Command();
      (await entry.load())(program);
      const command = program.commands.find((c) => c.name() === entry.name);
      expect(command, entry.name).toBeDefined();
      expect(entry.summary, entry.name).toBe(command!.description());
    }
  });
});
