import type { Command } from 'commander';
import { copyJob } from '../../jobs/copy/copyJob.js';
import type { ConflictPolicy, CopyDeps, CopyHooks, CopyInput, CopyOutput } from '../../jobs/copy/types.js';
import type { JobResult } from '../../machines/JobRun.js';
import { runJob } from '../../machines/runJob.js';
import { CliError } from '../CliError.js';
import { libraryPath } from '../libraryPath.js';
import { openWorkspace } from '../openWorkspace.js';
import { formatBytes } from '../format.js';
import type { CliJob, JobFailures } from '../CliJob.js';
import { runInForeground } from '../runInForeground.js';
import { resumeCommandFor } from './resumeCommand.js';

interface CopyOptions {
  move?: boolean;
  onConflict: string;
  verify?: boolean;
  preserveTimestamps: boolean;
  chunkMib: string;
  library?: string;
  json?: boolean;
}

/** One line for humans describing a copy's result (what failed is listed apart, by {@link copyFailures}). */
export function copySummary(o: CopyOutput): string {
  return (
    `${o.move ? 'moved' : 'copied'} ${o.files}/${o.totalFiles} files (${formatBytes(o.bytes)}), ${o.dirs} dirs, ${o.symlinks} links` +
    (o.renamed ? `, ${o.renamed} renamed in one step` : '') +
    (o.verified ? `, ${o.verified} verified` : '') +
    (o.skipped ? `, ${o.skipped} skipped` : '') +
    (o.conflictsRenamed ? `, ${o.conflictsRenamed} renamed to avoid conflicts` : '') +
    (o.overwritten ? `, ${o.overwritten} overwritten` : '') +
    (o.failed ? `, ${o.failed} failed` : '') +
    (o.restarted
      ? `, ${o.restarted} restarted from byte 0 (the source changed while the job was stopped)`
      : '') +
    (o.noSpacePauses ? `, paused ${o.noSpacePauses} time(s) for a full destination` : '') +
    (o.rewritten ? ` (${o.rewritten} bytes written again after an interruption)` : '')
  );
}

/**
 * The paths a completed copy or move could not handle (unreadable, too long, a socket…): the command then
 * exits 1, as `cp` does, and prints them. Their sources are kept.
 */
export function copyFailures(o: CopyOutput, result: JobResult): JobFailures | undefined {
  const count = o.failed ?? 0;
  if (count === 0) return undefined;
  const lines = result.errors
    .filter((e) => e.kind === 'nonFatal' && e.details?.op !== 'no-space')
    .map((e) => {
      const path = typeof e.details?.path === 'string' ? e.details.path : undefined;
      return path && !e.message.includes(path) ? `${path}: ${e.message}` : e.message;
    });
  return {
    count,
    label: o.move ? 'paths could not be moved (their sources are kept)' : 'paths could not be copied',
    lines: lines.length > 0 ? lines : o.failures,
  };
}

/**
 * Test hooks from the environment, for end-to-end tests that need a kill at an exact moment:
 * `PHASEKIT_TEST_COPY_HOOK=kill-after-place:N` SIGKILLs the process right after the N-th copy took its final
 * name (before the checkpoint that records it); `kill-after-commit:N` right after the N-th batch's checkpoint
 * (before its temporary names are removed). Unset in normal use.
 */
function hooksFromEnv(): CopyHooks | undefined {
  const spec = process.env.PHASEKIT_TEST_COPY_HOOK;
  const m = spec ? /^kill-after-(place|commit):(\d+)$/.exec(spec) : null;
  if (!m) return undefined;
  let n = Number(m[2]);
  const kill = () => {
    if (--n === 0) process.kill(process.pid, 'SIGKILL');
  };
  return m[1] === 'place' ? { afterPlace: kill } : { afterCommit: kill };
}

/** The copy job as the CLI runs and resumes it (registered in `CLI_JOBS`). */
export const copyCliJob: CliJob = {
  definition: copyJob,
  deps: (ws) => ({ library: ws.library, hooks: hooksFromEnv() }),
  summary: copySummary,
  failures: copyFailures,
};

/** `phasekit copy <source>... <destination>` */
export function copyCommand(program: Command): void {
  program
    .command('copy')
    .description(
      'Copy (or move) files and directories, resumable: killed at any moment, `phasekit resume` finishes it.',
    )
    .argument('<paths...>', 'sources, then the destination')
    .option('--move', 'move: rename on the same device, else copy, verify and remove the source')
    .option('--on-conflict <policy>', 'overwrite | rename | skip | abort', 'abort')
    .option('--verify', 'compare BLAKE3 of every source and copy (a mismatch is copied again once)')
    .option('--no-preserve-timestamps', 'give copies the current time instead of their sources’ times')
    .option('--chunk-mib <n>', 'MiB per checkpointed chunk of a large file (the most a kill costs)', '64')
    .option(
      '--library <file>',
      'library file (default $PHASEKIT_HOME/library.db or ~/.local/share/phasekit/library.db)',
    )
    .option('--json', 'JSON lines: progress, then the result')
    .addHelpText(
      'after',
      `
Examples:
  phasekit copy ~/Photos /mnt/backup                 copy into /mnt/backup/Photos
  phasekit copy a.txt b.txt ~/docs --on-conflict rename
  phasekit copy ~/big.iso /mnt/usb --verify --json
  phasekit copy --move ~/Downloads/old /mnt/archive

Ctrl-C pauses and prints the command that resumes the copy.
`,
    )
    .action(async (paths: string[], options: CopyOptions) => {
      if (paths.length < 2)
        throw new CliError('Give at least one source and a destination: phasekit copy SOURCE... DESTINATION');
      if (!['overwrite', 'rename', 'skip', 'abort'].includes(options.onConflict)) {
        throw new CliError(
          `Unknown --on-conflict "${options.onConflict}": use overwrite, rename, skip or abort.`,
        );
      }
      const chunkMib = Number(options.chunkMib);
      if (!(chunkMib > 0)) throw new CliError('--chunk-mib must be a positive number.');
      const input: CopyInput = {
        sources: paths.slice(0, -1),
        destination: paths[paths.length - 1],
        move: options.move === true,
        onConflict: options.onConflict as ConflictPolicy,
        verify: options.verify === true,
        preserveTimestamps: options.preserveTimestamps,
        chunkSize: Math.round(chunkMib * 1024 * 1024),
      };
      const ws = openWorkspace(libraryPath(options.library));
      try {
        const run = runJob(copyJob, input, { store: ws.store, deps: copyCliJob.deps(ws) as CopyDeps });
        process.exitCode = await runInForeground(run, {
          json: options.json === true,
          resumeCommand: resumeCommandFor(run.id, options.library),
          summary: copyCliJob.summary,
          failures: copyCliJob.failures,
        });
      } finally {
        ws.close();
      }
    });
}
