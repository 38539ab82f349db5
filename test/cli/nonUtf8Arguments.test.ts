import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/CliError.js';
import { refuseNonUtf8Arguments } from '../../src/cli/nonUtf8Argument.js';
import { tempDir } from '../machines/helpers.js';

const root = path.resolve(import.meta.dirname, '../..');
const main = path.join(root, 'dist/cli/main.js');
const cmdline =
  (...args: (string | Buffer)[]) =>
  () =>
    Buffer.concat(args.flatMap((a) => [Buffer.from(a), Buffer.from([0])]));

describe('arguments that are not valid UTF-8', () => {
  it('are refused (Node hands them over with U+FFFD for each bad byte); a name really spelled with U+FFFD passes', () => {
    const bad = Buffer.concat([Buffer.from('/t/'), Buffer.from([0xff]), Buffer.from('old')]);
    const args = ['delete', bad.toString('utf8'), '--yes'];
    expect(() => refuseNonUtf8Arguments(args, cmdline('node', '/x/main.js', 'delete', bad, '--yes'))).toThrow(
      CliError,
    );
    expect(() => refuseNonUtf8Arguments(args, cmdline('node', '/x/main.js', 'delete', bad, '--yes'))).toThrow(
      /not valid UTF-8.*name a directory above it/,
    );
    const real = ['delete', '/t/\uFFFDold'];
    expect(() => refuseNonUtf8Arguments(real, cmdline('node', '/x/main.js', ...real))).not.toThrow();
    // No way to read the bytes back: refused rather than guessed.
    expect(() =>
      refuseNonUtf8Arguments(real, () => {
        throw new Error('no /proc');
      }),
    ).toThrow(CliError);
    expect(() => refuseNonUtf8Arguments(['index', '/plain'], () => Buffer.alloc(0))).not.toThrow();
  });

  it('phasekit delete of a name with a byte 0xff deletes nothing, not the file spelled with U+FFFD', () => {
    const dir = tempDir();
    const lookalike = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from('\uFFFDold')]);
    const named = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0xff]), Buffer.from('old')]);
    fs.writeFileSync(lookalike, 'keep');
    fs.writeFileSync(named, 'stale');
    // Node cannot spawn with raw bytes in an argument: the shell's printf makes them.
    const r = spawnSync(
      'sh',
      [
        '-c',
        `"$0" "$1" delete "$(printf '%s/\\377old' "$2")" --mode permanent --yes --library "$2/l.db"`,
        process.execPath,
        main,
        dir,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^phasekit: argument .* is not valid UTF-8/);
    expect(fs.readFileSync(lookalike, 'utf8')).toBe('keep');
    expect(fs.readFileSync(named, 'utf8')).toBe('stale');
  });
});
