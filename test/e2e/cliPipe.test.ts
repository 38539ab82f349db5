import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../machines/helpers.js';
import { indexIntoClosedPipe, jobs, makeTree } from './cliJobs.js';
import { binDir, cli, lastJson, phasekit, requireBuiltCli } from './phasekitProcess.js';

beforeAll(requireBuiltCli);

describe('phasekit CLI: output piped to a reader that goes away, and no library yet', () => {
  it('phasekit jobs with no library yet says there are no jobs and exits 0', () => {
    const library = path.join(tempDir(), 'none', 'lib.db');
    const listed = phasekit(['jobs', '--library', library]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^No jobs \(there is no library at .*lib\.db yet\)\.\n$/);
    expect(listed.stderr).toBe('');
    expect(phasekit(['jobs', '--library', library, '--json']).stdout).toBe('[]\n');
    expect(phasekit(['jobs', '--all', '--library', library]).code).toBe(0);
    expect(fs.existsSync(library)).toBe(false);
  });

  it('index --json read by a pipe that closes after one line: stops quietly, the job is paused, and the printed resume command completes it', async () => {
    const tree = makeTree(400);
    // A library path a shell must have quoted: the hint quotes it.
    const library = path.join(tempDir(), 'my jobs', 'lib.db');
    const { code, first, stderr } = await indexIntoClosedPipe(tree, library);
    expect(JSON.parse(first).type).toBe('progress');
    expect(code, stderr).toBe(130);
    expect(stderr).not.toMatch(/EPIPE|at .*\.js:\d+|node:events/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    const hint = /^phasekit: the output was closed; paused job ([0-9a-f-]{36})\. Resume with: (.*)$/m.exec(
      stderr,
    );
    expect(hint, stderr).not.toBeNull();
    const [, id, resume] = hint!;
    expect(resume).toBe(`phasekit resume ${id} --library '${library}'`);
    expect(jobs(library)).toMatchObject([{ id, status: 'paused' }]);

    // Started through npx (or not on PATH), the hint is what the user can run: npx phasekit ….
    const npx = { npm_command: 'exec', npm_lifecycle_event: 'npx', npm_lifecycle_script: 'phasekit' };
    expect(phasekit(['pause', id, '--library', library], { env: npx }).stdout).toContain(
      `with: npx phasekit resume ${id} --library '${library}'`,
    );
    const noBin = (process.env.PATH ?? '')
      .split(path.delimiter)
      .filter((d) => d !== binDir)
      .join(path.delimiter);
    expect(phasekit(['pause', id, '--library', library], { env: { PATH: noBin } }).stdout).toContain(
      `with: npx phasekit resume ${id}`,
    );

    // The hint, run by a shell as printed, finishes the job.
    const resumed = spawnSync('sh', ['-c', `${resume} --json`], { encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(lastJson(resumed.stdout)).toMatchObject({ status: 'completed', output: { files: 400 } });
  });

  it('graph --format json into a pipe whose reader is gone stops quietly with exit 0', async () => {
    const child = spawn(process.execPath, [cli, 'graph', 'indexer', '--format', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader goes away before the CLI writes (it takes far longer to start than this takes to close):
    // its first write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
