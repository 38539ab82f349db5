/**
 * A compiled job machine was started without phasekit's runtime: its phase actors are placeholders until
 * the runtime provides them. Run it with `runJob`, or embed it with `provideRuntime(definition, options)`.
 */
export class MissingRuntimeError extends Error {
  override readonly name = 'MissingRuntimeError';
  readonly job: string;
  readonly phase: string | undefined;

  constructor(job: string, phase: string | undefined) {
    super(
      `Job "${job}" was started without phasekit's runtime${phase ? ` (phase "${phase}")` : ''}: run it with runJob(), or embed it with provideRuntime(definition, options).`,
    );
    this.job = job;
    this.phase = phase;
  }
}
