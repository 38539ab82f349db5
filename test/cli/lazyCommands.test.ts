import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commandTable.js';

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

describe('the CLI loads a command only when it runs', () => {
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
