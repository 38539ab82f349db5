import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../machines/helpers.js';
import { cli, killAfter, lastJson, phasekit } from './phasekitProcess.js';

const _root = path.resolve(import.meta.dirname, '../..');

beforeAll(() => {
  if (!fs.existsSync(cli))
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test.');
});

function makeTree(dir: string, files: number) {
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, `d${i % 50}`);
    if (i < 50) fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, `f${i}.txt`), `file ${i}\n`.repeat(1 + (i % 300)));
  }
}

const fileOf = (dir: string, n: number) => path.join(dir, `d${n % 50}`, `f${n}.txt`);

/** Faults: 12 deleted, 8 truncated, 5 corrupted with their mtime put back (touch -r). */
function plantFaults(dir: string) {
  for (let i = 0; i < 12; i++) fs.rmSync(fileOf(dir, 1000 + i * 101));
  for (let i = 0; i < 8; i++) fs.truncateSync(fileOf(dir, 3000 + i * 7), 1);
  for (let i = 0; i < 5; i++) {
    const file = fileOf(dir, 5000 + i * 13);
    execFileSync('touch', ['-r', file, `${file}.ref`]);
    const content = fs.readFileSync(file);
    content[0] = 0x46; // 'F' for 'f'
    fs.writeFileSync(file, content);
    execFileSync('touch', ['-r', `${file}.ref`, file]);
    fs.rmSync(`${file}.ref`);
  }
}

const issueLines = (output: { issues: { kind: string; severity: string; path: string }[] }) =>
  output.issues.map((i) => `${i.severity} ${i.kind} ${i.path}`).sort();

describe('phasekit validate', () => {
  it('SIGKILLed at random moments and resumed each time, ends with the report of an uninterrupted run', async () => {
    const tree = path.join(tempDir(), 'tree');
    makeTree(tree, 6000);
    const reference = path.join(tempDir(), 'ref.db');
    const library = path.join(tempDir(), 'killed.db');
    for (const lib of [reference, library])
      expect(phasekit(['index', tree, '--mode', 'content', '--library', lib, '--json']).code).toBe(0);
    plantFaults(tree);
    const ref = phasekit(['validate', tree, '--mode', 'integrity', '--library', reference, '--json']);
    expect(ref.code, ref.stderr).toBe(2);
    const expected = lastJson(ref.stdout).output;
    expect(expected.bySeverity).toEqual({ info: 0, warning: 0, error: 20, critical: 5 });

    const seed = Number(process.env.PHASEKIT_CRASH_SEED ?? 1129);
    const moments = fc.sample(fc.integer({ min: 0, max: 300 }), { seed, numRuns: 40 });
    let kills = 0;
    let id: string | undefined;
    let final: { output: Record<string, unknown> } | undefined;
    for (const ms of moments) {
      const args = id
        ? ['resume', id, '--library', library, '--json']
        : ['validate', tree, '--mode', 'integrity', '--batch-size', '100', '--library', library, '--json'];
      const { signal, code, out } = await killAfter(args, ms);
      if (signal !== 'SIGKILL') {
        // Issues reached --fail-on: a fresh run and a resume both end with 2.
        expect(code, out).toBe(2);
        final = lastJson(out);
        break;
      }
      kills++;
      if (!id)
        id = (JSON.parse(phasekit(['jobs', '--library', library, '--json']).stdout) as { id: string }[])[0]
          ?.id;
      if (kills >= 6) break;
    }
    expect(kills).toBeGreaterThanOrEqual(5);
    if (!final) {
      const last = phasekit(['resume', id!, '--library', library, '--json']);
      // `resume` keeps the job's --fail-on exit code: the issues planted reach it.
      expect(last.code, last.stderr).toBe(2);
      final = lastJson(last.stdout);
    }
    const output = final!.output as typeof expected;
    expect(issueLines(output)).toEqual(issueLines(expected));
    expect({ ...output, issues: [], runId: 0 }).toEqual({ ...expected, issues: [], runId: 0 });
    // The library holds each issue once, and the run is marked finished.
    const db = new Database(library, { readonly: true });
    const run = db.prepare('SELECT * FROM validation_runs WHERE id = ?').get(output.runId) as Record<
      string,
      number
    >;
    const stored = db
      .prepare('SELECT count(*) FROM validation_issues WHERE run_id = ?')
      .pluck()
      .get(output.runId);
    db.close();
    expect(run.issue_count).toBe(25);
    expect(stored).toBe(25);
    expect(run.checked).toBe(expected.checked);
    expect(run.finished_at).not.toBeNull();
  }, 120_000);

  it('exit code follows --fail-on; bad input is one clear line', () => {
    const dir = tempDir();
    const tree = path.join(dir, 'tree');
    makeTree(tree, 60);
    const library = path.join(dir, 'lib.db');
    expect(phasekit(['validate', tree, '--library', library]).stderr).toMatch(/No library at/);
    expect(phasekit(['index', tree, '--library', library, '--json']).code).toBe(0);
    const clean = phasekit(['validate', tree, '--mode', 'complete', '--library', library, '--json']);
    expect(clean.code).toBe(0);
    expect(lastJson(clean.stdout).output).toMatchObject({ issueCount: 0, worst: null });
    fs.writeFileSync(path.join(tree, 'd1', 'f1.txt'), 'changed, and longer than before: a modification');
    expect(phasekit(['validate', tree, '--library', library, '--json']).code).toBe(0); // a warning < error
    expect(phasekit(['validate', tree, '--fail-on', 'warning', '--library', library, '--json']).code).toBe(2);
    fs.rmSync(path.join(tree, 'd2', 'f2.txt'));
    const both = phasekit(['validate', tree, '--library', library, '--json']);
    expect(both.code).toBe(2);
    expect(
      lastJson(both.stdout)
        .output.issues.map((i: { kind: string }) => i.kind)
        .sort(),
    ).toEqual(['missing', 'modified']);
    expect(phasekit(['validate', tree, '--fail-on', 'fatal', '--library', library]).stderr).toMatch(
      /Unknown --fail-on "fatal"/,
    );
    expect(phasekit(['validate', tree, '--mode', 'paranoid', '--library', library]).stderr).toMatch(
      /Unknown --mode "paranoid"/,
    );
    expect(phasekit(['validate', dir, '--library', library]).stderr).toMatch(
      /is not an indexed location .*Index it first/,
    );
    // An id that is no location's is not turned into a path of the working directory.
    const byId = phasekit(['validate', '999', '--library', library]).stderr;
    expect(byId).toMatch(/^phasekit: No location has id 999 in .*, and there is no directory "999" here\./);
    expect(byId).not.toMatch(/phasekit index "\//);
  });
});
