import type {
  AtomicOperation,
  CheckpointOptions,
  Clock,
  ErrorRecord,
  PhaseContext,
  ProgressUpdate,
} from '../phases/types.js';

/** What a phase's `ctx` reads through from its run: the state it holds and the errors recorded so far. */
export interface PhaseContextHost<S> {
  state: S;
  currentErrors(): readonly ErrorRecord[];
}

/** The methods of a `ctx`, each a function that needs no `this` (a phase may take them out of `ctx`). */
export type PhaseContextMethods = Pick<
  PhaseContext<unknown>,
  | 'checkInterrupt'
  | 'checkpoint'
  | 'log'
  | 'logError'
  | 'addNonFatalError'
  | 'reportProgress'
  | 'atomicOperationComplete'
  | 'atomic'
>;

/**
 * The `ctx` handed to a phase. A class, not an object literal: `state` and `errors` read through to the run
 * from getters on the prototype, where a literal with its own getters cost about 2.5 µs to build, a phase
 * boundary's largest cost after the checkpoint. Its methods are the run's own functions, so
 * `const { checkpoint } = ctx` works as before.
 */
export class RunPhaseContext<S, I, D> implements PhaseContext<S, I, D> {
  readonly #host: PhaseContextHost<S>;
  readonly input: Readonly<I>;
  readonly deps: D;
  readonly jobId: string;
  readonly phaseName: string;
  readonly attempt: number;
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly checkInterrupt: () => void;
  readonly checkpoint: (opts?: CheckpointOptions) => Promise<void>;
  readonly log: (message: string, fields?: Record<string, unknown>) => void;
  readonly logError: (message: string, fields?: Record<string, unknown>) => void;
  readonly addNonFatalError: (error: unknown, details?: Record<string, unknown>) => void;
  readonly reportProgress: (update: ProgressUpdate) => void;
  readonly atomicOperationComplete: (completed: number, total: number) => void;
  readonly atomic: (name: string, total: number) => AtomicOperation;

  constructor(
    host: PhaseContextHost<S>,
    fields: Pick<
      PhaseContext<S, I, D>,
      'input' | 'deps' | 'jobId' | 'phaseName' | 'attempt' | 'signal' | 'clock'
    >,
    methods: PhaseContextMethods,
  ) {
    this.#host = host;
    this.input = fields.input;
    this.deps = fields.deps;
    this.jobId = fields.jobId;
    this.phaseName = fields.phaseName;
    this.attempt = fields.attempt;
    this.signal = fields.signal;
    this.clock = fields.clock;
    this.checkInterrupt = methods.checkInterrupt;
    this.checkpoint = methods.checkpoint;
    this.log = methods.log;
    this.logError = methods.logError;
    this.addNonFatalError = methods.addNonFatalError;
    this.reportProgress = methods.reportProgress;
    this.atomicOperationComplete = methods.atomicOperationComplete;
    this.atomic = methods.atomic;
  }

  /** The job's state: the run's own, so a phase that replaces it replaces it for the checkpoint too. */
  get state(): S {
    return this.#host.state;
  }

  set state(value: S) {
    this.#host.state = value;
  }

  /** Non-fatal errors recorded so far in this job. */
  get errors(): readonly ErrorRecord[] {
    return this.#host.currentErrors();
  }
}
