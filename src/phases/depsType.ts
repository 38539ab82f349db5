import type { DepsType } from './types.js';

/**
 * Declare the dependencies a job's phases use as `ctx.deps`: a type only, no value. With it, every phase written
 * inside the job sees `ctx.deps` typed, and running the job without `deps` does not compile.
 *
 * @example
 * defineJob({
 *   name: 'index', version: 1,
 *   deps: depsType<{ library: Library }>(),
 *   initialState: (input: { path: string }) => ({ cursor: 0 }),
 *   phases: (phase) => [phase({ name: 'scan', async execute(ctx) { ctx.deps.library; return Continue; } })],
 * });
 * runJob(indexJob, { path }, { deps: { library } }); // without deps: a compile error
 */
export function depsType<D>(): DepsType<D> {
  return Object.freeze({ kind: 'deps' as const });
}
