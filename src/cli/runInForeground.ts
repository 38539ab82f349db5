import type { JobRun } from '../machines/JobRun.js';
import { formatDuration } from './format.js';
import { jsonSink, type ProgressSink, ttySink } from './renderProgress.js';

/** Exit codes of the job commands. */
export const EXIT = { completed: 0, failed: 1, paused: 130 } as const;

export interface ForegroundOptions {
  readonly json: boolean;
  /** The command that resumes this job, printed when it pauses. */
  readonly resumeCommand: string;
  readonly summary: (output: unknown) => string;
  readonly out?: NodeJS.WriteStream;
}

/**
 * Run a job in the foreground: live progress (TTY) or JSON lines, Ctrl-C pauses at the next interrupt check
 * and checkpoints, a second Ctrl-C exits at once (the job still resumes from its last checkpoint).
 * Resolves with the process exit code.
 */
export async function runInForeground(run: JobRun, options: ForegroundOptions): Promise<number> {
  const out = options.out ?? process.stdout;
  const live = !options.json && out.isTTY === true;
  const json = !live;
  const sink: ProgressSink = live ? ttySink(out) : jsonSink(out);
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
      if (json)
        out.write(
          `${JSON.stringify({ type: 'result', jobId: run.id, status: 'paused', resume: options.resumeCommand })}\n`,
        );
      else {
        sink.line(`Paused job ${run.id}. Resume with:`);
        sink.line(`  ${options.resumeCommand}`);
      }
      return EXIT.paused;
    }
    const { result } = outcome;
    if (json) {
      out.write(`${JSON.stringify({ type: 'result', jobId: run.id, ...result }, jsonReplacer)}\n`);
    } else {
      sink.clear();
      const elapsed = formatDuration(elapsedMs);
      if (result.status === 'completed') sink.line(`Done in ${elapsed}. ${options.summary(result.output)}`);
      else sink.line(`Job ${run.id} ${result.status}${result.failure ? `: ${result.failure.message}` : ''}`);
      if (result.errorCount) {
        sink.line(`${result.errorCount} error(s):`);
        for (const e of result.errors.slice(0, 20)) sink.line(`  ${e.message}`);
        if (result.errorCount > 20)
          sink.line(`  … and ${result.errorCount - 20} more (phasekit jobs --json shows them).`);
      }
    }
    return result.status === 'completed' ? EXIT.completed : EXIT.failed;
  } finally {
    progress.unsubscribe();
    errors.unsubscribe();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
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
