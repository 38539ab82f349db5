import type { InspectionEvent } from 'xstate';
import type { JobDescriptor } from '../jobs/descriptor/JobDescriptor.js';
import type { JobResult, JobRun } from '../machines/JobRun.js';
import { createJobManager } from '../manager/createJobManager.js';
import type { SnapshotStore } from '../persistence/types.js';
import { formatBytes, formatCount } from './format.js';
import { leaseOptions } from './leaseOptions.js';
import { reportResult, runInForeground } from './runInForeground.js';

/** The number formats handed to a descriptor's `summarize`. */
const FORMAT = { bytes: formatBytes, count: formatCount } as const;

/** What to do with the job: start it from an input, or go on with a stored one. */
export type ManagedStart =
  | { readonly kind: 'dispatch'; readonly input: unknown }
  /** `completed`: print its result again; otherwise resume it from its checkpoint. */
  | { readonly kind: 'resume'; readonly id: string; readonly completed: boolean };

/** Where and how the job runs. */
export interface ManagedRunEnv {
  readonly store: SnapshotStore;
  readonly deps: unknown;
  readonly inspect: ((event: InspectionEvent) => void) | undefined;
  readonly json: boolean;
  /** The command that resumes the job, printed when it pauses. */
  readonly resumeCommand: (jobId: string) => string;
  /** Errors that kept the job from resuming, as the user should read them (a corrupt checkpoint, say). */
  readonly explain?: (error: unknown) => unknown;
  /** Told the job's result (completed or failed) before it is printed; not called when it paused. */
  readonly reported?: (result: JobResult) => void;
}

/**
 * Run one job of `descriptor` through a job manager on `env.store`, in the foreground: live progress or JSON
 * lines, Ctrl-C pauses, the resume hint, the summary and the exit code (see `runInForeground`). Every job the
 * CLI runs or resumes goes this way. Resolves with the exit code once the manager has shut down.
 */
export async function runThroughManager(
  descriptor: JobDescriptor,
  start: ManagedStart,
  env: ManagedRunEnv,
): Promise<number> {
  const explain = env.explain ?? ((error: unknown) => error);
  const manager = createJobManager({
    store: env.store,
    jobs: [descriptor.definition],
    ...(env.deps === undefined ? {} : { deps: env.deps }),
    runOptions: { ...leaseOptions(), ...(env.inspect ? { inspect: env.inspect } : {}) },
  });
  const shown = {
    json: env.json,
    summary: (output: unknown) => descriptor.summarize(output, FORMAT),
    failures: descriptor.failures,
    ...(env.reported ? { reported: env.reported } : {}),
  };
  try {
    if (start.kind === 'resume' && start.completed) {
      // A completed job (say, killed between its last checkpoint and its exit) gives its result again.
      const result = await manager.result(start.id).catch((error: unknown) => {
        throw explain(error);
      });
      return reportResult(start.id, result, { ...shown, elapsedMs: 0 });
    }
    let id: string;
    let started: Promise<JobRun>;
    if (start.kind === 'dispatch') {
      id = await manager.dispatch(descriptor.definition, start.input);
      started = manager.started(id);
    } else {
      id = start.id;
      started = manager.started(id);
      await manager.resume(id).catch((error: unknown) => {
        throw explain(error);
      });
    }
    const run = await started.catch((error: unknown) => {
      throw explain(error);
    });
    return await runInForeground(run, { ...shown, resumeCommand: env.resumeCommand(id) });
  } finally {
    await manager.shutdown();
  }
}
