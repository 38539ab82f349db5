import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliInvocation } from '../../src/cli/invocation.js';
import { shellQuote } from '../../src/cli/shellQuote.js';
import { tempDir } from '../machines/helpers.js';

/** A fake installed CLI: `main.js`, and `bin/phasekit` linking to it (as npm links a package's bin). */
function install(binName = 'phasekit', binParent = 'bin') {
  const dir = tempDir();
  const script = path.join(dir, 'main.js');
  fs.writeFileSync(script, '');
  const bin = path.join(dir, binParent);
  fs.mkdirSync(bin, { recursive: true });
  fs.symlinkSync(script, path.join(bin, binName));
  return { script, bin };
}

describe('cliInvocation: the command a hint tells the user to type', () => {
  it('is phasekit when the first phasekit on PATH is this CLI', () => {
    const { script, bin } = install();
    expect(cliInvocation({ PATH: `/nonexistent:${bin}:/usr/bin` }, script)).toBe('phasekit');
  });

  it('is npx phasekit when phasekit is not on PATH, or is another program', () => {
    const { script } = install();
    expect(cliInvocation({ PATH: '/usr/bin' }, script)).toBe('npx phasekit');
    const other = install();
    expect(cliInvocation({ PATH: other.bin }, script)).toBe('npx phasekit');
  });

  it('is npx phasekit when started through npx phasekit or an npm script, even with npm’s bin on PATH', () => {
    const { script, bin } = install();
    const npx = { npm_command: 'exec', npm_lifecycle_event: 'npx', npm_lifecycle_script: 'phasekit' };
    expect(cliInvocation({ ...npx, PATH: bin }, script)).toBe('npx phasekit');
    expect(cliInvocation({ npm_lifecycle_script: 'phasekit index ~/Photos', PATH: bin }, script)).toBe(
      'npx phasekit',
    );
    const local = install('phasekit', 'node_modules/.bin');
    expect(cliInvocation({ npm_execpath: '/usr/lib/npm-cli.js', PATH: local.bin }, local.script)).toBe(
      'npx phasekit',
    );
    // Another tool started through npx (a test runner) that runs the installed CLI: it is on PATH.
    expect(cliInvocation({ ...npx, npm_lifecycle_script: 'vitest', PATH: bin }, script)).toBe('phasekit');
  });
});

describe('shellQuote', () => {
  it('leaves plain paths bare and single-quotes the rest so a shell reads them back', () => {
    expect(shellQuote('/data/lib.db')).toBe('/data/lib.db');
    expect(shellQuote('/my jobs/lib.db')).toBe("'/my jobs/lib.db'");
    expect(shellQuote("it's $HOME")).toBe("'it'\\''s $HOME'");
  });
});

describe('resumeCommandFor', () => {
  it('keeps the shared store and its schema in the hint, so the pasted command finds the job', async () => {
    const { resumeCommandFor } = await import('../../src/cli/commands/resumeCommand.js');
    const hint = resumeCommandFor('j1', '/l.db', { store: 'postgres://u:p@h/db', schema: 'team_a' });
    expect(hint).toMatch(/ resume j1 --library \/l\.db --store postgres:\/\/u:p@h\/db --schema team_a$/);
    expect(resumeCommandFor('j1', undefined, { store: 'postgres://h/db', schema: 'phasekit' })).toMatch(
      / resume j1 --store postgres:\/\/h\/db$/,
    );
    expect(resumeCommandFor('j1')).toMatch(/ resume j1$/);
  });
});
