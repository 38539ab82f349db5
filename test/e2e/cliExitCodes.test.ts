import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../machines/helpers.js';
import { jobs } from './cliJobs.js';
import { cli, lastJson, phasekit, requireBuiltCli } from './phasekitProcess.js';

beforeAll(requireBuiltCli);

/** Run the CLI on a pseudo-terminal (util-linux `script`), as a user at a terminal sees it. */
function onTerminal(args: string[], options: { as?: string[]; env?: NodeJS.ProcessEnv } = {}) {
  const argv = [...(options.as ?? []), process.execPath, cli, ...args];
  const command = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
  });
  // The live line is redrawn with \r and erased with ESC[2K: keep the lines as they end up.
  const text = result.stdout.replaceAll('\r\x1b[2K', '\n').replaceAll('\r', '');
  return { code: result.status, text };
}

/** A tree with a file and a directory no other user may read, in a directory anyone may write to. */
function treeWithLockedDirectory() {
  const dir = tempDir();
  fs.chmodSync(dir, 0o777);
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(path.join(tree, 'locked'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'a.txt'), 'a');
  fs.chmodSync(tree, 0o777);
  fs.chmodSync(path.join(tree, 'locked'), 0o000);
  return { dir, tree, library: path.join(dir, 'lib.db') };
}

describe('phasekit CLI exit codes: a job whose items failed never ends "Done" with 0', () => {
  it('validate: issues reaching --fail-on exit 2 without "Done", on the first run and when resumed', () => {
    const tree = path.join(tempDir(), 'tree');
    fs.mkdirSync(tree);
    for (const name of ['a', 'b', 'c']) fs.writeFileSync(path.join(tree, name), name);
    const library = path.join(tempDir(), 'lib.db');
    expect(phasekit(['index', tree, '--library', library, '--json']).code).toBe(0);
    fs.rmSync(path.join(tree, 'b'));

    const shown = onTerminal(['validate', tree, '--library', library]);
    expect(shown.code, shown.text).toBe(2);
    expect(shown.text).toMatch(/^Finished in \d\d:\d\d, but 1 issue reaches --fail-on error\./m);
    expect(shown.text).not.toMatch(/^Done/m);

    const validation = jobs(library, '--all').find((j) => j.name === 'validation')!;
    // Resuming the completed job prints its result again, with the same exit code.
    const again = phasekit(['resume', validation.id, '--library', library, '--json']);
    expect(again.code, again.stderr).toBe(2);
    expect(lastJson(again.stdout)).toMatchObject({
      status: 'completed',
      exitCode: 2,
      failures: { count: 1, label: 'issue reaches --fail-on error' },
    });
  });

  it.skipIf(process.getuid?.() !== 0)(
    'index: a directory it could not read is a failed item: never "Done", the error, exit 1 (run as an unprivileged user)',
    () => {
      const { dir, tree, library } = treeWithLockedDirectory();
      // As an unprivileged user, who cannot read `locked`.
      const { code, text } = onTerminal(['index', tree, '--library', library], {
        as: ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups'],
        env: { HOME: dir },
      });
      expect(code, text).toBe(1);
      expect(text).not.toMatch(/Done/);
      expect(text).toMatch(/^Finished in \d\d:\d\d, but 1 non-fatal error \(what it names was skipped\)\. /m);
      expect(text).toMatch(/EACCES/);
    },
  );

  it('index --mode deep --thumbnails: an index with a non-fatal error still makes the thumbnails; exit 1 (run as an unprivileged user)', () => {
    const { dir, tree, library } = treeWithLockedDirectory();
    const run = spawnSync(
      'setpriv',
      [
        '--reuid',
        '65534',
        '--regid',
        '65534',
        '--clear-groups',
        process.execPath,
        cli,
        'index',
        tree,
        '--mode',
        'deep',
        '--thumbnails',
        '--library',
        library,
        '--json',
      ],
      { encoding: 'utf8', env: { ...process.env, HOME: dir } },
    );
    const results = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === 'result');
    // The index's result (completed, one error, exit 1), then the thumbnail job's (completed, exit 0).
    expect(
      results.map((r) => [r.status, r.exitCode]),
      run.stderr,
    ).toEqual([
      ['completed', 1],
      ['completed', 0],
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/phasekit: 1 non-fatal error \(what it names was skipped\)/);
  });
});
