import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { tempDir } from '../machines/helpers.js';
import { cli, holdStill, phasekit } from './phasekitProcess.js';

/** `files` small files in one directory: an index of them in content mode takes a few dozen batches of 20. */
export function makeTree(files: number): string {
  const tree = path.join(tempDir(), 'tree');
  fs.mkdirSync(tree);
  for (let i = 0; i < files; i++)
    fs.writeFileSync(path.join(tree, `f${i}.txt`), `file ${i} `.repeat(1 + (i % 5)));
  return tree;
}

export const INDEX = ['--mode', 'content', '--batch-size', '20', '--json'];

export interface JobRow {
  id: string;
  name: string;
  status: string;
  checkpointError?: string;
}

export function jobs(library: string, ...extra: string[]): JobRow[] {
  const listed = phasekit(['jobs', '--library', library, '--json', ...extra]);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout);
}

/**
 * Run `phasekit index` with its stdout read by a process that goes away after the first line, as `| head -1`
 * does: the reader's end of the pipe is destroyed, so the CLI's next write fails with EPIPE. The CLI is held
 * still meanwhile and let go once its next progress write is due (every 100 ms), so that write, which fails,
 * comes before anything else it does: the job is paused with nearly all of its work still to do.
 */
export async function indexIntoClosedPipe(tree: string, library: string) {
  const child = spawn(process.execPath, [cli, 'index', tree, ...INDEX, '--library', library], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let first = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d) => {
      first += d;
      if (first.includes('\n')) resolve();
    });
  });
  await holdStill(child, library);
  const stoppedAt = Date.now();
  child.stdout.destroy();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, stoppedAt + 150 - Date.now())));
  child.kill('SIGCONT');
  return { code: await exited, first: first.split('\n')[0], stderr };
}

/** The job id in a job command's JSON progress lines. */
export function jobIdOf(output: string): string {
  return /"jobId":"([0-9a-f-]{36})"/.exec(output)![1];
}

/**
 * A job running in another process sees a pause or cancel request when it next renews its lease, every third
 * of PHASEKIT_LEASE_MS. Long enough that its lease outlasts the SIGSTOP while it is asked (the CLI takes a few
 * seconds to start on a busy machine; the lease lapses, and may be taken over, only after two thirds of it).
 */
export const LEASE_MS = 12_000;
export const LEASE_ENV = { PHASEKIT_LEASE_MS: String(LEASE_MS) };

/**
 * Let a job held still by `holdStill` at `stoppedAt` go on once its lease renewal is due (a third of the lease
 * after its last renewal, which was before `stoppedAt`): its first act when it runs again is then that
 * renewal, which carries the request made meanwhile. Without this it could finish its work first.
 */
export async function continueWhenRenewalDue(child: ChildProcess, stoppedAt: number): Promise<void> {
  const due = stoppedAt + LEASE_MS / 3 + 50;
  if (Date.now() < due) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
  child.kill('SIGCONT');
}

/** Replace a job's checkpoint bytes with garbage, as a torn disk or a bad copy would. */
export function corruptCheckpoint(library: string, id: string) {
  const db = new Database(library);
  db.prepare('UPDATE phasekit_jobs SET checkpoint = ? WHERE id = ?').run(Buffer.from('not a checkpoint'), id);
  db.close();
}
