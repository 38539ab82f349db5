import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../machines/helpers.js';
import { cli, killAfter, phasekit, runTimed } from './phasekitProcess.js';

const _root = path.resolve(import.meta.dirname, '../..');

beforeAll(() => {
  if (!fs.existsSync(cli))
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test.');
});

function makeFlatTree(dir: string, files: number, perDir: number) {
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, `d${Math.floor(i / perDir)}`);
    if (i % perDir === 0) fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, `f${i}.txt`), `file ${i} `.repeat(1 + (i % 7)));
  }
}

/** The library's entries as sorted rows, paths rebuilt from parents: comparable across libraries. */
function dumpLibrary(file: string) {
  const db = new Database(file, { readonly: true });
  const rows = db
    .prepare(
      `WITH RECURSIVE p(id, path) AS (
         SELECT id, '' FROM entries WHERE parent_id IS NULL
         UNION ALL SELECT e.id, p.path || '/' || e.name_text FROM entries e JOIN p ON e.parent_id = p.id)
       SELECT p.path, e.kind, e.size, e.aggregate_size AS agg, e.content_id AS cid
       FROM p JOIN entries e ON e.id = p.id ORDER BY p.path`,
    )
    .all();
  db.close();
  return rows;
}

describe('phasekit CLI', () => {
  it('SIGKILLed at 10+ random moments of a 20,000-file content index, resumed each time, ends with the library of an uninterrupted run', async () => {
    const tree = path.join(tempDir(), 'tree');
    makeFlatTree(tree, 20_000, 200);
    const reference = path.join(tempDir(), 'reference.db');
    expect(phasekit(['index', tree, '--mode', 'content', '--library', reference, '--json']).code).toBe(0);

    const library = path.join(tempDir(), 'killed.db');
    const seed = Number(process.env.PHASEKIT_CRASH_SEED ?? 1129);
    const command = (db: string) => [
      'index',
      tree,
      '--mode',
      'content',
      '--batch-size',
      '250',
      '--library',
      db,
      '--json',
    ];
    // Kill moments after the first progress line, within a sixteenth of how long an uninterrupted run goes on
    // after it (timed here and now): twelve kills move the job at most three quarters of the way.
    const timed = await runTimed(command(path.join(tempDir(), 'timed.db')));
    expect(timed.code, timed.out).toBe(0);
    const span = Math.max(10, Math.floor(timed.afterTriggerMs / 16));
    const moments = fc.sample(fc.integer({ min: 0, max: span }), { seed, numRuns: 60 });
    let kills = 0;
    let id: string | undefined;
    for (const ms of moments) {
      const args = id ? ['resume', id, '--library', library, '--json'] : command(library);
      const { signal, code, out } = await killAfter(args, ms);
      if (signal === 'SIGKILL') kills++;
      else if (code === 1 && out.includes('already ended (completed)')) {
        // The previous kill landed after the job's final checkpoint: it was done.
        break;
      } else {
        expect(code, out).toBe(0);
        break;
      }
      if (!id) {
        const jobs = JSON.parse(phasekit(['jobs', '--library', library, '--json']).stdout) as {
          id: string;
        }[];
        id = jobs[0]?.id;
      }
      if (kills >= 12) break;
    }
    expect(kills).toBeGreaterThanOrEqual(10);
    if (id) {
      const last = phasekit(['resume', id, '--library', library, '--json']);
      // Already finished by a run that was not killed: nothing to resume is the right answer then.
      expect([0, 1]).toContain(last.code);
    }
    expect(dumpLibrary(library)).toEqual(dumpLibrary(reference));
  }, 240_000);

  it('Ctrl-C pauses with exit 130 and prints the command that resumes the job', async () => {
    const tree = path.join(tempDir(), 'tree');
    makeFlatTree(tree, 6000, 100);
    const library = path.join(tempDir(), 'lib.db');
    const child = spawn(
      process.execPath,
      [cli, 'index', tree, '--mode', 'content', '--batch-size', '100', '--library', library, '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('"type":"progress"')) resolve();
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stderr.resume();
    expect(code).toBe(130);
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { status: string; resume: string };
    expect(result.status).toBe('paused');
    expect(result.resume).toMatch(/^phasekit resume [0-9a-f-]{36} --library /);
    const args = result.resume
      .replace(/^phasekit /, '')
      .split(' ')
      .map((a) => a.replace(/^"|"$/g, ''));
    const resumed = phasekit([...args, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout.trim().split('\n').at(-1)!).output).toMatchObject({ files: 6000 });
  }, 120_000);

  it('refuses bad input with one clear line and a non-zero exit, writing nothing', () => {
    const dir = tempDir();
    const library = path.join(dir, 'lib.db');
    const missing = phasekit(['index', path.join(dir, 'nope'), '--library', library]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^phasekit: No such directory: .*nope\n$/);
    fs.writeFileSync(path.join(dir, 'file.txt'), 'x');
    const file = phasekit(['index', path.join(dir, 'file.txt'), '--library', library]);
    expect(file.code).toBe(1);
    expect(file.stderr).toMatch(/Not a directory/);
    expect(fs.existsSync(library)).toBe(false);

    const unwritable = phasekit(['index', dir, '--library', path.join(dir, 'file.txt', 'lib.db')]);
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toMatch(/Cannot create the library at .*file\.txt\/lib\.db/);

    const corrupt = path.join(dir, 'corrupt.db');
    fs.writeFileSync(corrupt, 'this is not a database at all '.repeat(100));
    const before = fs.readFileSync(corrupt);
    const bad = phasekit(['index', dir, '--library', corrupt]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/corrupt\.db/);
    expect(fs.readFileSync(corrupt).equals(before)).toBe(true);

    expect(phasekit(['index', dir, '--mode', 'fast']).stderr).toMatch(/Unknown --mode "fast"/);
    expect(phasekit(['index', dir, '--rules', 'everything']).stderr).toMatch(
      /Unknown indexer rule "everything"/,
    );
    expect(phasekit(['resume', 'no-such-job', '--library', library]).stderr).toMatch(
      /No library at|No job no-such-job/,
    );
  });

  // Needs root to drop to another user.
  it.skipIf(process.getuid?.() !== 0)(
    'records an unreadable directory as a non-fatal error and indexes the rest (run as an unprivileged user)',
    () => {
      const dir = tempDir();
      fs.chmodSync(dir, 0o777);
      const tree = path.join(dir, 'tree');
      fs.mkdirSync(path.join(tree, 'open'), { recursive: true });
      fs.mkdirSync(path.join(tree, 'locked'));
      fs.writeFileSync(path.join(tree, 'open', 'a.txt'), 'a');
      fs.writeFileSync(path.join(tree, 'locked', 'hidden.txt'), 'b');
      fs.chmodSync(path.join(tree, 'locked'), 0o000);
      for (const d of [tree, path.join(tree, 'open')]) fs.chmodSync(d, 0o777);
      const library = path.join(dir, 'lib.db');
      const result = phasekit(['index', tree, '--library', library, '--json'], {
        uid: 65534,
        env: { HOME: dir },
      });
      // An item it could not read: the job completed, but not every item, so exit 1 (as `find` does).
      expect(result.code, result.stderr).toBe(1);
      const final = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
      expect(final.status).toBe('completed');
      expect(final).toMatchObject({ exitCode: 1, failures: { count: 1 } });
      expect(final.errorCount).toBe(1);
      expect(final.errors[0]).toMatchObject({
        kind: 'nonFatal',
        details: { path: path.join(tree, 'locked'), op: 'readdir' },
      });
      expect(final.errors[0].message).toMatch(/EACCES/);
      expect(final.output).toMatchObject({ files: 1, dirs: 2 });
    },
  );

  it('prints help with examples, the version, and the graph of the indexer', () => {
    const help = phasekit(['index', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(phasekit(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const graph = phasekit(['graph', 'indexer']);
    expect(graph.stdout).toContain('discovery --> processing : continue');
    expect(graph.stdout).toContain('content --> deep : skipped (when = false)');
    // The machine's id is the job's name, namespaced (`job:indexer`) so no phase can collide with it.
    expect(JSON.parse(phasekit(['graph', 'indexer', '--format', 'json']).stdout).id).toMatch(/(^|:)indexer$/);
  });
});
