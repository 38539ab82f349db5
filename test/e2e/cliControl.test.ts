import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../machines/helpers.js';
import {
  corruptCheckpoint,
  INDEX,
  indexIntoClosedPipe,
  jobIdOf,
  jobs,
  continueWhenRenewalDue,
  LEASE_ENV,
  makeTree,
} from './cliJobs.js';
import { holdStill, lastJson, phasekit, requireBuiltCli, startPhasekit } from './phasekitProcess.js';

beforeAll(requireBuiltCli);

describe('phasekit CLI: corrupt checkpoints, and pause and cancel of a job in another process', () => {
  it('a corrupt checkpoint is one line in jobs, resume and cancel; jobs --remove refuses a resumable job; cancel --force and jobs --remove get rid of the corrupt one', async () => {
    const tree = makeTree(300);
    const library = path.join(tempDir(), 'lib.db');
    expect((await indexIntoClosedPipe(tree, library)).code).toBe(130);
    const [{ id }] = jobs(library);

    // A healthy paused job is cancelled, not removed: removing it would skip its cleanup.
    const refused = phasekit(['jobs', '--remove', id, '--library', library]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^phasekit: Job .* is paused and can be resumed: cancel it first/);

    const healthy = phasekit(['jobs', '--check', '--library', library]);
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(healthy.stdout).toMatch(new RegExp(`^${id}  indexer v\\d+  paused  can resume\n`));

    corruptCheckpoint(library, id);
    const checked = phasekit(['jobs', '--check', '--library', library, '--json']);
    expect(checked.code).toBe(1);
    expect(JSON.parse(checked.stdout)).toMatchObject([{ id, name: 'indexer', status: 'paused', ok: false }]);
    expect(JSON.parse(checked.stdout)[0].reason).toMatch(/.+/);
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
    const tree = makeTree(600);
    const library = path.join(tempDir(), 'lib.db');
    const env = LEASE_ENV;
    const running = startPhasekit(['index', tree, ...INDEX, '--library', library], { env });
    // In processing, past discovery's boundary checkpoint: the job is in the store.
    await running.waitFor('"phase":"processing"');
    // Hold the job still while it is asked: it is certainly running (not done) when the request lands.
    await holdStill(running.child, library);
    const stoppedAt = Date.now();
    const id = jobIdOf(running.output());
    const asked = phasekit(['pause', id, '--library', library], { env });
    // A second runner is refused in one line naming the owner.
    const second = phasekit(['resume', id, '--library', library], { env });
    await continueWhenRenewalDue(running.child, stoppedAt);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(`^phasekit: Job ${id} is already running in process ${running.child.pid} on [^\\n]*\\n$`),
    );
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
    expect(lastJson(resumed.stdout)).toMatchObject({ status: 'completed', output: { files: 600 } });
  });

  it('phasekit cancel of a job running in another process asks it, never says "cancelled"; the job then ends cancelled', async () => {
    const tree = makeTree(600);
    const library = path.join(tempDir(), 'lib.db');
    const env = LEASE_ENV;
    const running = startPhasekit(['index', tree, ...INDEX, '--library', library], { env });
    await running.waitFor('"phase":"processing"');
    await holdStill(running.child, library);
    const stoppedAt = Date.now();
    const id = jobIdOf(running.output());
    const asked = phasekit(['cancel', id, '--library', library, '--json'], { env });
    const forced = phasekit(['cancel', '--force', id, '--library', library], { env });
    await continueWhenRenewalDue(running.child, stoppedAt);
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

  it('a job whose process was killed: pause says nobody runs it (and how to resume); cancel runs its cleanup here and ends it', async () => {
    const tree = makeTree(300);
    const library = path.join(tempDir(), 'lib.db');
    const running = startPhasekit(['index', tree, ...INDEX, '--library', library]);
    await running.waitFor('"phase":"processing"');
    await holdStill(running.child, library);
    running.child.kill('SIGKILL');
    await running.exited;
    const id = jobIdOf(running.output());
    expect(jobs(library)).toMatchObject([{ id, status: 'running' }]);

    const paused = phasekit(['pause', id, '--library', library]);
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toBe(
      `Job ${id} is not running in any process; it resumes from its last checkpoint with: ` +
        `phasekit resume ${id} --library ${library}\n`,
    );
    const cancelled = phasekit(['cancel', id, '--library', library]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toBe(`Job ${id} cancelled.\n`);
    expect(jobs(library, '--all')).toMatchObject([{ id, status: 'cancelled' }]);
  });
});
