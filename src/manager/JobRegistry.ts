import type { JobDefinition } from '../phases/defineJob.js';
import { DuplicateJobNameError } from './DuplicateJobNameError.js';
import { UnknownJobError } from './UnknownJobError.js';

/**
 * The job definitions a job manager knows, by name: how a stored job, which holds only its job's name, finds
 * the code to resume with.
 */
export class JobRegistry<D = unknown> {
  readonly #byName = new Map<string, JobDefinition<any, any, D, any>>();

  /**
   * Add a definition. The same definition again does nothing.
   * @throws {DuplicateJobNameError} when a different definition has the name.
   */
  register(definition: JobDefinition<any, any, D, any>): void {
    const existing = this.#byName.get(definition.name);
    if (existing === definition) return;
    if (existing !== undefined) throw new DuplicateJobNameError(definition.name);
    this.#byName.set(definition.name, definition);
  }

  /**
   * The definition named `name`.
   * @param jobId The stored job that needs it, named in the error.
   * @throws {UnknownJobError} when none is registered, naming the registered ones.
   */
  get(name: string, jobId?: string): JobDefinition<any, any, D, any> {
    const definition = this.#byName.get(name);
    if (definition === undefined) throw new UnknownJobError(name, this.names(), jobId);
    return definition;
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.#byName.keys()].sort();
  }
}
