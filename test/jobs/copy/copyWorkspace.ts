import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import { copyJob } from '../../../src/jobs/copy/copyJob.js';
import type { CopyHooks, CopyInput } from '../../../src/jobs/copy/types.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { type JobRun, resumeJob, runJob } from '../../../src/index.js';
import { SqliteStore } from '../../../src/sqlite.js';
import { tempDir } from '../../machines/helpers.js';

const open: Library[] = [];
const mounts: string[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
  for (const dir of mounts.splice(0)) spawnSync('umount', ['-l', dir]);
});

/** A library and store in a temp dir, closed after the test. */
export function workspace() {
  const dir = tempDir();
  const library = openLibrary(path.join(dir, 'library.db'));
  const store = new SqliteStore(library.db);
  open.push(library);
  return { library, store, dir };
}
export type Workspace = ReturnType<typeof workspace>;

/** Start a copy job with test hooks. */
export function start(ws: Workspace, input: CopyInput, hooks?: CopyHooks): JobRun {
  return runJob(copyJob, input, { store: ws.store, deps: { library: ws.library, hooks } });
}

/** Resume a copy job with test hooks. */
export function resume(ws: Workspace, id: string, hooks?: CopyHooks): Promise<JobRun> {
  return resumeJob(copyJob, id, { store: ws.store, deps: { library: ws.library, hooks } });
}

/** `'paused'` once the job paused (its pause checkpoint written), else its result. */
export async function pausedOrResult(run: JobRun) {
  return Promise.race([
    run.result,
    new Promise<'paused'>((resolve) =>
      run.events$.subscribe((e) => {
        if (e.type === 'paused') void run.pause().then(() => resolve('paused'));
      }),
    ),
  ]);
}

/** True when tests may mount filesystems (root). */
export const canMount = process.getuid?.() === 0;

/** A fresh tmpfs of the given size and inode count in a temp dir, unmounted after the test. */
export function tmpfs(size: string, inodes: number): string {
  const dir = path.join(tempDir(), 'fs');
  fs.mkdirSync(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},nr_inodes=${inodes}`, 'tmpfs', dir]);
  if (r.status !== 0) throw new Error(`mount failed: ${r.stderr}`);
  mounts.push(dir);
  return dir;
}

/** Rows of the job's plan left in the library. */
export function planRows(ws: Workspace, jobId: string): number {
  return ws.library.db
    .prepare('SELECT count(*) FROM job_plans WHERE job_id = ?')
    .pluck()
    .get(jobId) as number;
}
