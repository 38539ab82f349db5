import type { JobResult } from '../../machines/JobRun.js';
import type { JobDefinition } from '../../phases/defineJob.js';
import type { Library } from '../library/Library.js';

/**
 * A positional argument of a job's command, as data: `name` is the key of the parsed arguments it fills.
 * `variadic` takes the rest of the words (a list); `optional` may be left out.
 */
export interface ArgumentSpec<A> {
  readonly name: Extract<keyof A, string>;
  readonly description: string;
  readonly variadic?: boolean;
  readonly optional?: boolean;
}

/**
 * An option of a job's command, as data. `flags` as a command line reads it (`--batch-size <n>`, `--verify`,
 * `--no-preserve-timestamps`); `key` is the property of the parsed options it fills (the flag in camelCase,
 * without `no-`): the compiler checks it against the descriptor's options type, a test against the flag.
 * Values arrive as the strings typed (or `true` for a switch): the descriptor's `input` parses them.
 */
export interface OptionSpec<P> {
  readonly flags: string;
  readonly key: Extract<keyof P, string>;
  readonly description: string;
  readonly default?: string | boolean;
}

/** The options every job command takes, added by the CLI: the library, JSON lines, the inspector. */
export interface CommonJobOptions {
  /** `--library FILE`: the library the job records into and checkpoints in. */
  readonly library?: string;
  /** `--json`: JSON lines (progress, then the result) instead of the live line. */
  readonly json?: boolean;
  /** `--inspect`: stream the job's actor to the Stately inspector. */
  readonly inspect?: boolean;
}

/**
 * What went wrong in a job that completed: the items it could not handle. Such a job does not say "Done" and
 * exits non-zero, as `cp` and `rm` do.
 */
export interface JobFailures {
  /** How many items failed. A count of 0 is no failure. */
  readonly count: number;
  /** What failed, one line each (the first ones are printed; `--json` gives them all). */
  readonly lines: readonly string[];
  /** What the count counts, printed after it: `3 files could not be copied`. Default `items failed`. */
  readonly label?: string;
  /** The exit code. Default 1. */
  readonly exitCode?: number;
  /** Also say so on stderr, as `phasekit: <this>` (delete does, as `rm` does). */
  readonly stderr?: string;
}

/** What a descriptor's `input` may use besides the words typed. */
export interface DescriptorContext {
  /** The library file the command uses (for messages: `… is not a location of FILE`). */
  readonly libraryFile: string;
  /**
   * The library, opened on the first call (created unless the descriptor says `library: 'existing'`). Ask for
   * it after checking the options, so a bad option is reported before a missing library.
   */
  library(): Library;
  /** Refuse the input: one line on stderr, `phasekit: <message>`, exit 1. */
  fail(message: string): never;
}

/** Number formatting of the CLI, handed to `summarize` so job folders need not import the CLI. */
export interface SummaryFormat {
  /** `1.5 MiB` */
  bytes(n: number): string;
  /** `12,345` */
  count(n: number): string;
}

/** What a job's `deps` are built from: the open library. */
export interface DescriptorWorkspace {
  readonly file: string;
  readonly library: Library;
}

/** A job to run after this one completed with exit 0 (`index --thumbnails`), by its command name. */
export interface NextJob {
  readonly command: string;
  readonly input: unknown;
}

/**
 * Everything the CLI needs to offer a job as a command, run it through the job manager and resume it: the job
 * definition, its command line as data, how to build the input and deps, how to summarize the result and which
 * items failed. Exported by each job folder as `<job>Descriptor`, listed once in `src/cli/jobCommands.ts`; the
 * CLI adds `--library`, `--json` and `--inspect` to every job command. Independent of any command-line parser.
 *
 * `I` input, `O` output, `D` deps, `A` parsed arguments, `P` parsed options (without the common ones).
 */
export interface JobDescriptor<I = any, O = any, D = any, A = any, P = any> {
  /** The command: `phasekit <command>`. */
  readonly command: string;
  /** One line for `phasekit --help` and the command's own help. */
  readonly summary: string;
  readonly definition: JobDefinition<any, I, D, O>;
  readonly arguments: readonly ArgumentSpec<A>[];
  readonly options: readonly OptionSpec<P>[];
  /** Help text printed after the options: examples and what else to know. */
  readonly help: string;
  /** How `--json` and `--library` are described in help, when this job says more than the default. */
  readonly commonHelp?: { readonly json?: string; readonly library?: string };
  /** `existing`: refuse to run without a library (it needs what was indexed). Default `create`. */
  readonly library?: 'create' | 'existing';
  /** The job's input from the parsed command line; refuse bad input with `ctx.fail`. */
  input(args: A, options: P & CommonJobOptions, ctx: DescriptorContext): I | Promise<I>;
  /** True for an input that runs in memory, in no library and not resumable (`index --ephemeral`). */
  ephemeral?(input: I): boolean;
  /** The job's deps (also when resumed or run by a worker). */
  deps(workspace: DescriptorWorkspace): D;
  /** One line (or a block) describing a result for humans. */
  summarize(output: O, format: SummaryFormat): string;
  /**
   * The items of a completed job that failed, or `undefined` when none did: then no "Done", and its exit code
   * (default 1). Without it (or when it says none failed), a job's non-fatal errors are its failed items:
   * "Finished …, but N non-fatal errors", the errors, exit 1.
   */
  failures?(output: O, result: JobResult<O>): JobFailures | undefined;
  /** A job to run after this one completed with exit 0, in the same library. */
  next?(input: I, options: P & CommonJobOptions): NextJob | undefined;
}
