/** The four ways a phase can stop short of its output. */
export type PhaseErrorKind = 'fatal' | 'nonFatal' | 'paused' | 'cancelled';

/** Context attached to a phase error. */
export interface PhaseErrorOptions {
  readonly phase?: string;
  readonly jobId?: string;
  readonly cause?: unknown;
  /** Structured details kept in history (e.g. `{ path, code }`). Must be MessagePack-able. */
  readonly details?: Record<string, unknown>;
}

/**
 * Base class of every error a phase throws on purpose. Throw a subclass: {@link FatalError},
 * {@link NonFatalError}, {@link PausedError} or {@link CancelledError}. Anything else a phase throws is
 * treated as fatal.
 */
export class PhaseError extends Error {
  override readonly name: string = 'PhaseError';
  readonly kind: PhaseErrorKind;
  readonly phase: string | undefined;
  readonly jobId: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(kind: PhaseErrorKind, message: string, options: PhaseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.phase = options.phase;
    this.jobId = options.jobId;
    this.details = options.details;
  }
}

/** The phase cannot go on; the job follows the phase's recovery policy (default: fail). */
export class FatalError extends PhaseError {
  override readonly name = 'FatalError';
  constructor(message: string, options?: PhaseErrorOptions) {
    super('fatal', message, options);
  }
}

/** Something went wrong that does not stop the job: it is recorded and the job goes on to the next phase. */
export class NonFatalError extends PhaseError {
  override readonly name = 'NonFatalError';
  constructor(message: string, options?: PhaseErrorOptions) {
    super('nonFatal', message, options);
  }
}

/** The job was paused; it resumes from its last checkpoint with `run.resume()` or `resumeJob()`. */
export class PausedError extends PhaseError {
  override readonly name = 'PausedError';
  constructor(
    message = 'The job was paused; resume it to go on from its last checkpoint.',
    options?: PhaseErrorOptions,
  ) {
    super('paused', message, options);
  }
}

/** The job was cancelled; the phase's `onFailure` runs as cleanup and the job ends `cancelled`. */
export class CancelledError extends PhaseError {
  override readonly name = 'CancelledError';
  constructor(message = 'The job was cancelled.', options?: PhaseErrorOptions) {
    super('cancelled', message, options);
  }
}
