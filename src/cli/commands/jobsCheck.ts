import type { SnapshotStore } from '../../persistence/types.js';
import type { JobDefinition } from '../../phases/defineJob.js';
import { CliError } from '../CliError.js';
import type { Workspace } from '../openWorkspace.js';
import { CLI_JOBS } from '../registry.js';

/** One row of `checkResumable` (src/machines/checkResumable.ts). */
export interface ResumableCheck {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly ok: boolean;
  readonly reason?: string;
}

type CheckResumable = (
  definitions: JobDefinition<any, any, any, any>[] | Record<string, JobDefinition<any, any, any, any>>,
  store: SnapshotStore,
) => Promise<ResumableCheck[]>;

/**
 * `phasekit jobs --check`: each stored unfinished job that the current definitions can or cannot resume, and
 * why. Resolves with the exit code: 0 when every one can, 1 otherwise.
 */
export async function checkJobs(ws: Workspace, json: boolean): Promise<number> {
  const checkResumable = await loadCheckResumable();
  const definitions = Object.fromEntries(
    Object.entries(CLI_JOBS).map(([name, job]) => [name, job.definition]),
  );
  const checks = await checkResumable(definitions, ws.store);
  if (json) {
    process.stdout.write(`${JSON.stringify(checks)}\n`);
  } else if (checks.length === 0) {
    process.stdout.write('No unfinished jobs to check.\n');
  } else {
    for (const c of checks) {
      process.stdout.write(
        `${c.id}  ${c.name}  ${c.status}  ${c.ok ? 'can resume' : `cannot resume: ${c.reason ?? 'unknown reason'}`}\n`,
      );
    }
    const bad = checks.filter((c) => !c.ok).length;
    process.stdout.write(
      bad === 0
        ? `All ${checks.length} unfinished job(s) can be resumed.\n`
        : `${bad} of ${checks.length} unfinished job(s) cannot be resumed by this phasekit.\n`,
    );
  }
  return checks.every((c) => c.ok) ? 0 : 1;
}

async function loadCheckResumable(): Promise<CheckResumable> {
  // Loaded by name until the core's checkResumable is in every build.
  const specifier = '../../machines/checkResumable.js';
  try {
    const mod = (await import(specifier)) as { checkResumable: CheckResumable };
    return mod.checkResumable;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND')
      throw new CliError('This phasekit cannot check jobs yet (checkResumable is missing from its core).');
    throw error;
  }
}
