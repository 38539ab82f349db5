import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../machines/helpers.js';
import {
  binDir,
  cli,
  holdStill,
  lastJson,
  phasekit,
  requireBuiltCli,
  startPhasekit,
} from './phasekitProcess.js';

beforeAll(requireBuiltCli);

/** `files` small files in one directory: an index of them in content mode takes a few dozen batches of 20. */
function makeTree(files: number): string {
  const tree = path.join(tempDir(), 'tree');
  fs.mkdirSync(tree);
  for (let i = 0; i < files; i++)
    fs.writeFileSync(path.join(tree, `f${i}.txt`), `file ${i} `.repeat(1 + (i % 5)));
  return tree;
}

const INDEX = ['--mode', 'content', '--batch-size', '20', '--json'];

interface JobRow {
  id: string;
  status: string;
  checkpointError?: string;
}

function jobs(library: string, ...extra: string[]): JobRow[] {
  const listed = phasekit(['jobs', '--library', library, '--json', ...extra]);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout);
}

/**
 * Run `phasekit index` with its stdout read by a process that goes away after the first line, as `| head -1`
 * does: the reader's end of the pipe is destroyed, so the CLI's next write fails with EPIPE.
 */
async function indexIntoClosedPipe(tree: string, library: string) {
  const child = spawn(process.execPath, [cli, 'index', tree, ...INDEX, '--library', library], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let first = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d) => {
      first += d;
      if (first.includes('\n')) {
        child.stdout.destroy();
        resolve();
      }
    });
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, first: first.split('\n')[0], stderr };
}

/** The job id in a job command's JSON progress lines. */
function jobIdOf(output: string): string {
  return /"jobId":"([0-9a-f-]{36})"/.exec(output)![1];
}

/**
 * A job running in another process sees a pause or cancel request when it next renews its lease: every third
 * of PHASEKIT_LEASE_MS. Long enough that its lease outlasts the SIGSTOP while it is asked (the CLI takes a
 * second or two to start on a busy machine), short enough that it renews well before 2,000 files are indexed.
 */
const LEASE_ENV = { PHASEKIT_LEASE_MS: '10000' };

/** Replace a job's checkpoint bytes with garbage, as a torn disk or a bad copy would. */
function corruptCheckpoint(library: string, id: string) {
  const db = new Database(library);
  db.prepare('UPDATE phasekit_jobs SET checkpoint = ? WHERE id = ?').run(Buffer.from('not a checkpoint'), id);
  db.close();
}

describe('phasekit CLI: pipes, jobs, pause and cancel', () => {
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
    const tree = makeTree(1000);
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
    expect(lastJson(resumed.stdout)).toMatchObject({ status: 'completed', output: { files: 1000 } });
  });

  it('graph --format json | head -1 stops quietly with exit 0', async () => {
    const child = spawn(process.execPath, [cli, 'graph', 'indexer', '--format', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('a corrupt checkpoint is one line in jobs, resume and cancel; jobs --remove refuses a resumable job; cancel --force and jobs --remove get rid of the corrupt one', async () => {
    const tree = makeTree(300);
    const library = path.join(tempDir(), 'lib.db');
    expect((await indexIntoClosedPipe(tree, library)).code).toBe(130);
    const [{ id }] = jobs(library);

    // A healthy paused job is cancelled, not removed: removing it would skip its cleanup.
    const refused = phasekit(['jobs', '--remove', id, '--library', library]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^phasekit: Job .* is paused and can be resumed: cancel it first/);

    corruptCheckpoint(library, id);
    const listed = phasekit(['jobs', '--library', library]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/paused \(unreadable\)/);
    expect(listed.stdout).toContain(`Remove it with: phasekit jobs --remove ${id}`);
    expect(jobs(library)[0].checkpointError).toMatch(/.+/);

    for (const command of ['resume', 'cancel']) {
      const failed = phasekit([command, id, '--library', library]);
      expect(failed.code, command).toBe(1);
      expect(failed.stderr.trim().split('\n'), command).toHaveLength(1);
      expect(failed.stderr).toMatch(
        new RegExp(
          `^phasekit: Job ${id}: its checkpoint cannot be read: .*phasekit cancel --force ${id}.*phasekit jobs --remove ${id}`,
        ),
      );
      expect(failed.stderr).not.toMatch(/\n\s+at /);
    }

    const forced = phasekit(['cancel', '--force', id, '--library', library]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/marked cancelled without running its cleanup/);
    expect(jobs(library, '--all')).toMatchObject([{ id, status: 'cancelled' }]);

    const removed = phasekit(['jobs', '--remove', id, '--library', library]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe(`Removed job ${id} (cancelled).\n`);
    expect(jobs(library, '--all')).toEqual([]);
  });

  it('phasekit pause of a job running in another process asks it through the store; the job pauses at its next checkpoint and resumes', async () => {
    const tree = makeTree(2000);
    const library = path.join(tempDir(), 'lib.db');
    const env = LEASE_ENV;
    const running = startPhasekit(['index', tree, ...INDEX, '--library', library], { env });
    // In processing, past discovery's boundary checkpoint: the job is in the store.
    await running.waitFor('"phase":"processing"');
    // Hold the job still while it is asked: it is certainly running (not done) when the request lands.
    await holdStill(running.child, library);
    const id = jobIdOf(running.output());
    const asked = phasekit(['pause', id, '--library', library], { env });
    running.child.kill('SIGCONT');
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stdout).toMatch(
      new RegExp(
        `^Pause requested for job ${id}, running in process ${running.child.pid} on .*; the job stops at its next checkpoint`,
      ),
    );
    const { code } = await running.exited;
    expect(code, running.output()).toBe(130);
    expect(
      lastJson(
        running
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .join('\n'),
      ),
    ).toMatchObject({
      status: 'paused',
    });
    expect(jobs(library)).toMatchObject([{ id, status: 'paused' }]);
    const again = phasekit(['pause', id, '--library', library]);
    expect(again.stdout).toMatch(
      /is already paused; it resumes from its last checkpoint with: phasekit resume /,
    );

    const resumed = phasekit(['resume', id, '--library', library, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lastJson(resumed.stdout)).toMatchObject({ status: 'completed', output: { files: 2000 } });
  });

  it('phasekit cancel of a job running in another process asks it, never says "cancelled"; the job then ends cancelled', async () => {
    const tree = makeTree(2000);
    const library = path.join(tempDir(), 'lib.db');
    const env = LEASE_ENV;
    const running = startPhasekit(['index', tree, ...INDEX, '--library', library], { env });
    await running.waitFor('"phase":"processing"');
    await holdStill(running.child, library);
    const id = jobIdOf(running.output());
    const asked = phasekit(['cancel', id, '--library', library, '--json'], { env });
    const forced = phasekit(['cancel', '--force', id, '--library', library], { env });
    running.child.kill('SIGCONT');
    expect(asked.code, asked.stderr).toBe(0);
    expect(JSON.parse(asked.stdout)).toMatchObject({
      jobId: id,
      requested: 'cancel',
      owner: { pid: running.child.pid },
    });
    expect(asked.stdout).not.toMatch(/"status":"cancelled"/);
    expect(forced.code).toBe(1);
    expect(forced.stderr).toMatch(/is running in process \d+ on .*: cancel it without --force/);
    await running.exited;
    expect(jobs(library, '--all')).toMatchObject([{ id, status: 'cancelled' }]);
  });
});
