import { checkResumable, type ResumableCheck } from '../../machines/checkResumable.js';
import type { Workspace } from '../openWorkspace.js';
import { allDescriptors } from '../registry.js';

/** The definitions of every job this CLI knows, by name. */
async function definitions() {
  return Object.fromEntries((await allDescriptors()).map((job) => [job.definition.name, job.definition]));
}

/** Whether this phasekit can resume each unfinished job stored in the workspace, and why not. */
export async function checkStoredJobs(ws: Workspace): Promise<ResumableCheck[]> {
  return checkResumable(await definitions(), ws.store);
}

/**
 * `phasekit jobs --check`: each stored unfinished job that the current definitions can or cannot resume, and
 * why. Resolves with the exit code: 0 when every one can, 1 otherwise.
 */
export async function checkJobs(ws: Workspace, json: boolean): Promise<number> {
  const checks = await checkStoredJobs(ws);
  if (json) {
    process.stdout.write(`${JSON.stringify(checks)}\n`);
  } else if (checks.length === 0) {
    process.stdout.write('No unfinished jobs to check.\n');
  } else {
    for (const c of checks) {
      process.stdout.write(
        `${c.id}  ${c.name} v${c.version}  ${c.status}  ` +
          `${c.ok ? 'can resume' : `cannot resume: ${c.reason ?? 'unknown reason'}`}\n`,
      );
    }
    const bad = checks.filter((c) => !c.ok).length;
    process.stdout.write(
      bad === 0
        ? `All ${checks.length} unfinished job(s) can be resumed.\n`
        : `${bad} of ${checks.length} unfinished job(s) cannot be resumed by this phasekit; ` +
            'phasekit jobs --remove <id> removes one.\n',
    );
  }
  return checks.every((c) => c.ok) ? 0 : 1;
}
