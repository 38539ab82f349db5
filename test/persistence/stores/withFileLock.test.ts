import fs from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileLockTimeoutError } from '../../../src/persistence/stores/FileLockTimeoutError.js';
import { withFileLock } from '../../../src/persistence/stores/withFileLock.js';
import { deadPid } from './describeLeaseStore.js';
import { makeTempDir } from './tempDir.js';

describe('withFileLock', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let lock: string;
  beforeEach(() => {
    temp = makeTempDir();
    lock = path.join(temp.dir, 'job-1.lock');
  });
  afterEach(() => temp.cleanup());
  const lockContent = (pid: number, host = hostname()) => JSON.stringify({ pid, host, at: 1, token: 'x' });
  const age = (file: string, ms: number) => {
    const then = new Date(Date.now() - ms);
    fs.utimesSync(file, then, then);
  };

  it('holds the lock file while the task runs, with this process in it, and removes it after', async () => {
    const seen = await withFileLock(lock, async () => JSON.parse(fs.readFileSync(lock, 'utf8')));
    expect(seen).toMatchObject({ pid: process.pid, host: hostname() });
    expect(fs.existsSync(lock)).toBe(false);
    await expect(
      withFileLock(lock, async () => {
        throw new Error('task failed');
      }),
    ).rejects.toThrow('task failed');
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('runs tasks on one lock one at a time, in this process too', async () => {
    const events: string[] = [];
    let release!: () => void;
    const first = withFileLock(lock, async () => {
      events.push('first in');
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      events.push('first out');
    });
    let waited!: () => void;
    const waiting = new Promise<void>((resolve) => {
      waited = resolve;
    });
    const second = withFileLock(lock, async () => void events.push('second in'), { onWait: () => waited() });
    await waiting;
    release();
    await Promise.all([first, second]);
    expect(events).toEqual(['first in', 'first out', 'second in']);
  });

  it('breaks at once a lock whose holder on this host is dead, and a stale .break left beside it', async () => {
    fs.writeFileSync(lock, lockContent(deadPid()));
    fs.writeFileSync(`${lock}.break`, lockContent(deadPid()));
    let waits = 0;
    await withFileLock(lock, async () => {}, { onWait: () => waits++ });
    expect(waits).toBeLessThanOrEqual(1); // at most one pause, for the stale .break file
    expect(fs.readdirSync(temp.dir)).toEqual([]);
  });

  it('breaks an unwritten lock file only once it is old', async () => {
    fs.writeFileSync(lock, '');
    await expect(withFileLock(lock, async () => {}, { timeoutMs: 50 })).rejects.toThrow(FileLockTimeoutError);
    age(lock, 5000);
    await withFileLock(lock, async () => {}, { timeoutMs: 50 });
  });

  it('waits for a live holder or one on another host, then names it', async () => {
    for (const content of [lockContent(process.pid), lockContent(deadPid(), 'another-host')]) {
      fs.writeFileSync(lock, content);
      const error = await withFileLock(lock, async () => {}, { timeoutMs: 50 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FileLockTimeoutError);
      expect((error as Error).message).toMatch(/held by process \d+ on .+ since 1970-01-01T00:00:00.001Z/);
      expect((error as Error).message).toContain(lock);
    }
  });
});
