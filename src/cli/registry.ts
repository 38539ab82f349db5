import type { JobDescriptor } from '../jobs/descriptor/JobDescriptor.js';
import { CliError } from './CliError.js';
import { JOB_COMMANDS, type JobCommandEntry } from './jobCommands.js';

export type { JobDescriptor, JobFailures } from '../jobs/descriptor/JobDescriptor.js';

/** The names of every job the CLI knows (the definitions' names), without loading any. */
export function jobNames(entries: readonly JobCommandEntry[] = JOB_COMMANDS): string[] {
  return entries.map((e) => e.job);
}

/** The descriptor of the job named `name` (its definition's name), loaded; `undefined` for an unknown name. */
export async function descriptorOfJob(
  name: string,
  entries: readonly JobCommandEntry[] = JOB_COMMANDS,
): Promise<JobDescriptor | undefined> {
  return entries.find((e) => e.job === name)?.load();
}

/** The descriptor of the job named `name`, or a one-line error naming the jobs known. */
export async function requireDescriptor(
  name: string,
  entries: readonly JobCommandEntry[] = JOB_COMMANDS,
): Promise<JobDescriptor> {
  const descriptor = await descriptorOfJob(name, entries);
  if (!descriptor) throw new CliError(`Unknown job "${name}". Jobs: ${jobNames(entries).join(', ')}.`);
  return descriptor;
}

/** The descriptor of the job command `command` (`index`), loaded. */
export async function descriptorOfCommand(
  command: string,
  entries: readonly JobCommandEntry[] = JOB_COMMANDS,
): Promise<JobDescriptor | undefined> {
  return entries.find((e) => e.command === command)?.load();
}

/** Every descriptor, loaded (`jobs --check`, `worker`: they need every definition). */
export function allDescriptors(entries: readonly JobCommandEntry[] = JOB_COMMANDS): Promise<JobDescriptor[]> {
  return Promise.all(entries.map((e) => e.load()));
}
