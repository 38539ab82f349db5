import type { AnyActorRef } from 'xstate';
import type { JobDefinition } from '../phases/defineJob.js';
import { compileJob } from './compileJob.js';
import { implementationsFor, type JobRuntime } from './JobRuntime.js';

const runtimes = new WeakMap<AnyActorRef, JobRuntime<any, any, any, any>>();
const machines = new WeakMap<JobDefinition, ReturnType<typeof build>>();

function build(definition: JobDefinition) {
  return compileJob(definition).provide(
    implementationsFor((job) => {
      const runtime = runtimes.get(job);
      if (!runtime)
        throw new Error(
          `phasekit: no runtime registered for job actor ${job.id}; start jobs with runJob or resumeJob.`,
        );
      return runtime;
    }) as never,
  );
}

/**
 * The job's machine with the runtime's actors provided once per definition (providing rebuilds every state
 * node, which costs more than running a short job). Each actor finds its runtime by its job actor, which
 * `runJob`/`resumeJob` register with {@link registerRuntime} before starting it.
 */
export function runnableMachine(definition: JobDefinition) {
  let machine = machines.get(definition);
  if (!machine) {
    machine = build(definition);
    machines.set(definition, machine);
  }
  return machine;
}

/** Tie a job actor to the runtime that runs its phases. */
export function registerRuntime(job: AnyActorRef, runtime: JobRuntime<any, any, any, any>): void {
  runtimes.set(job, runtime);
}
