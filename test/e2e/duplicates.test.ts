import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bytes, canonical, jdupesGroups } from '../jobs/duplicates/tree.js';
import { tempDir } from '../machines/helpers.js';
import { cli, killAfter, lastJson, phasekit, runTimed } from './phasekitProcess.js';

const _root = path.resolve(import.meta.dirname, '../..');

beforeAll(() => {
  if (!fs.existsSync(cli))
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test.');
});

/** 1,500 files in groups of three of one size (in every other group the middle one differs in one byte), plus larger copies. */
function makeTree(dir: string) {
  for (let g = 0; g < 500; g++) {
    const size = 6000 + g * 37;
    const content = bytes(`g${g}`, size);
    const other = Buffer.from(content);
    other[Math.floor(size / 2)] ^= 1;
    const sub = path.join(dir, `d${g % 40}`);
    fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, `a${g}.bin`), content);
    fs.writeFileSync(path.join(sub, `b${g}.bin`), g % 2 ? other : content);
    fs.writeFileSync(path.join(sub, `c${g}.bin`), content);
  }
  for (let i = 0; i < 30; i++) {
    const content = bytes(`big${i % 10}`, 400_000 + (i % 10));
    fs.writeFileSync(path.join(dir, `d${i}`, `big${i}.dat`), content);
  }
}

describe('phasekit duplicates', () => {
  it('SIGKILLed at random moments and resumed each time, ends with the report of an uninterrupted run', async () => {
    const tree = path.join(tempDir(), 'tree');
    makeTree(tree);
    const reference = phasekit(['duplicates', tree, '--library', path.join(tempDir(), 'ref.db'), '--json']);
    expect(reference.code, reference.stderr).toBe(0);
    const expected = lastJson(reference.stdout).output;
    expect(
      canonical(expected.groups.map((g: { files: { path: string }[] }) => g.files.map((f) => f.path))),
    ).toEqual(canonical(jdupesGroups(tree)));
    expect(expected.summary.groups).toBe(500 + 10);

    const library = path.join(tempDir(), 'killed.db');
    const seed = Number(process.env.PHASEKIT_CRASH_SEED ?? 1129);
    const command = (db: string) => ['duplicates', tree, '--batch-files', '20', '--library', db, '--json'];
    // Kill moments after the first progress line, within an eighth of how long an uninterrupted run of this
    // tree goes on after it (measured here, now: faster builds and machines end sooner): six kills move the
    // job at most three quarters of the way, so the run is killed six times and a last resume ends it.
    const timed = await runTimed(command(path.join(tempDir(), 'timed.db')));
    expect(timed.code, timed.out).toBe(0);
    const span = Math.max(10, Math.floor(timed.afterTriggerMs / 8));
    const moments = fc.sample(fc.integer({ min: 0, max: span }), { seed, numRuns: 40 });
    let kills = 0;
    let id: string | undefined;
    let final: { output: unknown } | undefined;
    for (const ms of moments) {
      const args = id ? ['resume', id, '--library', library, '--json'] : command(library);
      const { signal, code, out } = await killAfter(args, ms);
      if (signal !== 'SIGKILL') {
        expect(code, out).toBe(0);
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
      expect(id).toBeDefined();
      const last = phasekit(['resume', id!, '--library', library, '--json']);
      expect(last.code, last.stderr).toBe(0);
      final = lastJson(last.stdout);
    }
    // The same groups, and the same counts: no batch was read twice or lost.
    expect(final!.output).toEqual(expected);
  }, 120_000);

  // Needs root, to drop to another user.
  it.skipIf(process.getuid?.() !== 0)(
    'an unreadable file is a non-fatal error with its path and reason (run as an unprivileged user)',
    () => {
      const dir = tempDir();
      fs.chmodSync(dir, 0o777);
      const tree = path.join(dir, 'tree');
      fs.mkdirSync(tree);
      fs.chmodSync(tree, 0o777);
      for (const name of ['a', 'b', 'locked']) fs.writeFileSync(path.join(tree, name), bytes('same', 20_000));
      fs.chmodSync(path.join(tree, 'locked'), 0o000);
      const result = phasekit(['duplicates', tree, '--library', path.join(dir, 'lib.db'), '--json'], {
        uid: 65534,
        env: { HOME: dir },
      });
      // An item it could not read: the job completed, but not every item, so exit 1 (as `find` does).
      expect(result.code, result.stderr).toBe(1);
      const final = lastJson(result.stdout);
      expect(final).toMatchObject({ exitCode: 1, failures: { count: 1 } });
      expect(final.errorCount).toBe(1);
      expect(final.errors[0]).toMatchObject({
        kind: 'nonFatal',
        details: { path: path.join(tree, 'locked'), op: 'partial hash' },
      });
      expect(final.errors[0].message).toMatch(/EACCES/);
      expect(
        final.output.groups.map((g: { files: { path: string }[] }) =>
          g.files.map((f) => path.basename(f.path)),
        ),
      ).toEqual([['a', 'b']]);
    },
  );

  it('refuses bad options with one clear line; filters by extension and size', () => {
    const dir = tempDir();
    const tree = path.join(dir, 'tree');
    fs.mkdirSync(tree);
    for (const name of ['one.jpg', 'two.jpg', 'three.png'])
      fs.writeFileSync(path.join(tree, name), bytes('pic', 3000));
    const library = path.join(dir, 'lib.db');
    const ext = phasekit(['duplicates', tree, '--ext', 'jpg', '--library', library, '--json']);
    expect(lastJson(ext.stdout).output.summary).toMatchObject({ groups: 1, files: 2, wastedBytes: 3000 });
    const bad = phasekit(['duplicates', tree, '--mode', 'fuzzy', '--library', library]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^phasekit: Unknown --mode "fuzzy": use size, name-and-size, content, deep\.\n$/,
    );
    expect(phasekit(['duplicates', tree, '--min-size', 'lots', '--library', library]).stderr).toMatch(
      /--min-size "lots" is not a size/,
    );
    expect(phasekit(['duplicates', path.join(dir, 'nope'), '--library', library]).stderr).toMatch(
      /No such file or directory/,
    );
    const sized = phasekit(['duplicates', tree, '--min-size', '3k', '--library', library, '--json']);
    expect(lastJson(sized.stdout).output.summary.groups).toBe(0); // 3k = 3072 > 3000
    expect(phasekit(['duplicates', '--help']).stdout).toContain('Examples:');
  });
});
