import type { JobResult, JobRun } from '../machines/JobRun.js';
import { formatDuration } from './format.js';
import { isOutputClosed, onOutputClosed, watchOutput } from './outputClosed.js';
import type { JobFailures } from '../jobs/descriptor/JobDescriptor.js';
import { jsonSink, type ProgressSink, ttySink } from './renderProgress.js';

/** Exit codes of the job commands. */
export const EXIT = { completed: 0, failed: 1, paused: 130 } as const;

/** How many error or failure lines a terminal gets; `--json` and `phasekit jobs --json` give them all. */
const SHOWN_LINES = 20;

export interface ForegroundOptions {
  readonly json: boolean;
  /** The command that resumes this job, printed when it pauses. */
  readonly resumeCommand: string;
  readonly summary: (output: unknown) => string;
  /** The items of a completed job that failed (see `JobDescriptor.failures`): then no "Done", and exit 1. */
  readonly failures?: (output: any, result: JobResult) => JobFailures | undefined;
  /** Told the result before it is printed (the CLI runs a follow-on job only after a completed one). */
  readonly reported?: (result: JobResult) => void;
  readonly out?: NodeJS.WriteStream;
}

/**
 * Run a job in the foreground: live progress (TTY) or JSON lines, Ctrl-C pauses at the next interrupt check
 * and checkpoints, a second Ctrl-C exits at once (the job still resumes from its last checkpoint). When the
 * reader of stdout goes away (`| head -1`), the job is paused the same way, quietly, and the resume command
 * goes to stderr.
 *
 * Resolves with the process exit code: 0 completed with no failed item and no non-fatal error, 1 failed or
 * completed with failed items or non-fatal errors (a summary of them is printed), the job's own code for
 * failures that say so, 130 paused.
 */
export async function runInForeground(run: JobRun, options: ForegroundOptions): Promise<number> {
  const out = options.out ?? process.stdout;
  const live = !options.json && out.isTTY === true;
  const json = !live;
  watchOutput(out);
  const raw: ProgressSink = live ? ttySink(out) : jsonSink(out);
  const sink: ProgressSink = {
    progress: (p) => isOutputClosed() || raw.progress(p),
    clear: () => isOutputClosed() || raw.clear(),
    line: (text) => isOutputClosed() || raw.line(text),
  };
  const write = (text: string) => isOutputClosed() || out.write(text);
  let elapsedMs = 0;
  const progress = run.progress$.subscribe((p) => {
    elapsedMs = p.elapsedMs;
    sink.progress(p);
  });
  const errors = run.events$.subscribe((e) => {
    if (e.type === 'nonFatalError' && live) sink.line(`warning: ${e.message}`);
  });
  let pausing: Promise<void> | null = null;
  const onSigint = () => {
    if (pausing) {
      sink.line('Stopped. The job resumes from its last checkpoint with:');
      sink.line(`  ${options.resumeCommand}`);
      process.exit(EXIT.paused);
    }
    sink.line('Pausing at the next checkpoint… (Ctrl-C again to stop at once)');
    pausing = run.pause();
  };
  const stopWatchingOutput = onOutputClosed(() => {
    pausing ??= run.pause();
  });
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const outcome = await Promise.race([
      run.result.then((result) => ({ kind: 'done' as const, result })),
      new Promise<{ kind: 'paused' }>((resolve) => {
        const sub = run.events$.subscribe((e) => {
          if (e.type === 'paused') {
            sub.unsubscribe();
            // Wait for the pause checkpoint before saying so.
            (pausing ?? run.pause()).then(() => resolve({ kind: 'paused' }));
          }
        });
      }),
    ]);
    if (outcome.kind === 'paused') {
      if (isOutputClosed()) {
        process.stderr.write(
          `phasekit: the output was closed; paused job ${run.id}. Resume with: ${options.resumeCommand}\n`,
        );
      } else if (json) {
        write(
          `${JSON.stringify({ type: 'result', jobId: run.id, status: 'paused', resume: options.resumeCommand })}\n`,
        );
      } else {
        sink.line(`Paused job ${run.id}. Resume with:`);
        sink.line(`  ${options.resumeCommand}`);
      }
      return EXIT.paused;
    }
    return reportResult(run.id, outcome.result, { ...options, elapsedMs }, sink);
  } finally {
    stopWatchingOutput();
    progress.unsubscribe();
    errors.unsubscribe();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

/**
 * A completed job's non-fatal errors as its failed items, for jobs whose descriptor names none itself (an
 * unreadable directory the index skipped, a corrupt image without a thumbnail): each error is an item the job
 * did not handle, so the job did not fully succeed — "Finished …, but", the errors, and exit 1, as `find`
 * does for a directory it cannot read.
 */
export function errorsAsFailures(result: JobResult): JobFailures | undefined {
  const count = result.errorCount;
  if (!count) return undefined;
  const what =
    count === 1
      ? 'non-fatal error (what it names was skipped)'
      : 'non-fatal errors (what they name was skipped)';
  return {
    count,
    label: what,
    lines: result.errors.map((e) => e.message),
    stderr: `${count} ${what}; the errors above say what and why.`,
  };
}

/** How {@link reportResult} shows a result. */
export interface ReportOptions {
  readonly json: boolean;
  readonly summary: (output: unknown) => string;
  readonly failures?: (output: any, result: JobResult) => JobFailures | undefined;
  /** Told the result before it is printed (the CLI runs a follow-on job only after a completed one). */
  readonly reported?: (result: JobResult) => void;
  /** How long the job ran, for "Done in 00:12". */
  readonly elapsedMs: number;
  readonly out?: NodeJS.WriteStream;
}

/**
 * Print a job's result — its summary, what failed, its non-fatal errors; or with `--json` (or into a pipe) one
 * `{"type":"result", …}` line — and resolve with the exit code: 0 completed with no failed item and no
 * non-fatal error, 1 failed or completed with failed items or errors, the job's own code for failures that
 * say so.
 */
export function reportResult(
  jobId: string,
  result: JobResult,
  options: ReportOptions,
  sink?: ProgressSink,
): number {
  const out = options.out ?? process.stdout;
  const json = options.json || out.isTTY !== true;
  const shown: ProgressSink = sink ?? {
    progress: () => {},
    clear: () => {},
    line: (text) => isOutputClosed() || out.write(`${text}\n`),
  };
  const write = (text: string) => isOutputClosed() || out.write(text);
  const own = result.status === 'completed' ? options.failures?.(result.output, result) : undefined;
  const failed =
    own && own.count > 0 ? own : result.status === 'completed' ? errorsAsFailures(result) : undefined;
  const failures = failed && failed.count > 0 ? failed : undefined;
  options.reported?.(result);
  const code =
    result.status !== 'completed'
      ? EXIT.failed
      : failures
        ? (failures.exitCode ?? EXIT.failed)
        : EXIT.completed;
  if (json) {
    const extra = failures
      ? {
          failures: { count: failures.count, label: failures.label ?? 'items failed', lines: failures.lines },
        }
      : {};
    write(
      `${JSON.stringify({ type: 'result', jobId, ...result, ...extra, exitCode: code }, jsonReplacer)}\n`,
    );
  } else {
    shown.clear();
    const elapsed = formatDuration(options.elapsedMs);
    if (result.status !== 'completed') {
      // Said on stderr (below), where a script that keeps only stdout still sees it.
    } else if (failures) {
      shown.line(
        `Finished in ${elapsed}, but ${failures.count} ${failures.label ?? 'items failed'}. ${options.summary(result.output)}`,
      );
    } else {
      shown.line(`Done in ${elapsed}. ${options.summary(result.output)}`);
    }
    if (failures && failures.lines.length > 0) {
      shown.line(`${failures.count} ${failures.label ?? 'items failed'}:`);
      printCapped(shown, failures.lines, failures.count);
    } else if (result.errorCount) {
      shown.line(`${result.errorCount} error(s):`);
      printCapped(
        shown,
        result.errors.map((e) => e.message),
        result.errorCount,
      );
    }
  }
  // Every job that did not end well says so in one line on stderr, whatever stdout shows.
  if (result.status !== 'completed')
    process.stderr.write(
      `phasekit: Job ${jobId} ${result.status}${result.failure ? `: ${result.failure.message}` : '.'}\n`,
    );
  else if (failures)
    process.stderr.write(
      `phasekit: ${failures.stderr ?? `${failures.count} ${failures.label ?? 'items failed'}; ${json ? 'the result line lists them' : 'listed above'}.`}\n`,
    );
  return code;
}

function printCapped(sink: ProgressSink, lines: readonly string[], total: number): void {
  for (const line of lines.slice(0, SHOWN_LINES)) sink.line(`  ${line}`);
  if (total > SHOWN_LINES) sink.line(`  … and ${total - SHOWN_LINES} more (--json lists them).`);
}

/** JSON for results: bytes as UTF-8 text where they are names. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (
    value &&
    typeof value === 'object' &&
    (value as { type?: string }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  ) {
    return Buffer.from((value as { data: number[] }).data).toString('utf8');
  }
  return value;
}
