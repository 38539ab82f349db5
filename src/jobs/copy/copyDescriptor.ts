import type { JobResult } from '../../machines/JobRun.js';
import { defineJobDescriptor } from '../descriptor/defineJobDescriptor.js';
import type { DescriptorContext, JobFailures, SummaryFormat } from '../descriptor/JobDescriptor.js';
import { copyJob } from './copyJob.js';
import type { ConflictPolicy, CopyHooks, CopyInput, CopyOutput } from './types.js';

interface CopyArgs {
  paths: string[];
}

interface CopyOptions {
  move?: boolean;
  onConflict: string;
  verify?: boolean;
  preserveTimestamps: boolean;
  chunkMib: string;
}

/** One line for humans describing a copy's result (what failed is listed apart, by {@link copyFailures}). */
export function copySummary(o: CopyOutput, format: SummaryFormat): string {
  return (
    `${o.move ? 'moved' : 'copied'} ${o.files}/${o.totalFiles} files (${format.bytes(o.bytes)}), ${o.dirs} dirs, ${o.symlinks} links` +
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

/** `phasekit copy <source>... <destination>`: the copy job as a command. */
export const copyDescriptor = defineJobDescriptor({
  command: 'copy',
  summary:
    'Copy (or move) files and directories, resumable: killed at any moment, `phasekit resume` finishes it.',
  definition: copyJob,
  arguments: [{ name: 'paths', description: 'sources, then the destination', variadic: true }],
  options: [
    {
      flags: '--move',
      key: 'move',
      description: 'move: rename on the same device, else copy, verify and remove the source',
    },
    {
      flags: '--on-conflict <policy>',
      key: 'onConflict',
      description: 'overwrite | rename | skip | abort',
      default: 'abort',
    },
    {
      flags: '--verify',
      key: 'verify',
      description: 'compare BLAKE3 of every source and copy (a mismatch is copied again once)',
    },
    {
      flags: '--no-preserve-timestamps',
      key: 'preserveTimestamps',
      description: 'give copies the current time instead of their sources’ times',
    },
    {
      flags: '--chunk-mib <n>',
      key: 'chunkMib',
      description: 'MiB per checkpointed chunk of a large file (the most a kill costs)',
      default: '64',
    },
  ],
  help: `
Examples:
  phasekit copy ~/Photos /mnt/backup                 copy into /mnt/backup/Photos
  phasekit copy a.txt b.txt ~/docs --on-conflict rename
  phasekit copy ~/big.iso /mnt/usb --verify --json
  phasekit copy --move ~/Downloads/old /mnt/archive

Ctrl-C pauses and prints the command that resumes the copy.
`,
  input(args: CopyArgs, options: CopyOptions, ctx: DescriptorContext): CopyInput {
    const { paths } = args;
    if (paths.length < 2)
      ctx.fail('Give at least one source and a destination: phasekit copy SOURCE... DESTINATION');
    if (!['overwrite', 'rename', 'skip', 'abort'].includes(options.onConflict)) {
      ctx.fail(`Unknown --on-conflict "${options.onConflict}": use overwrite, rename, skip or abort.`);
    }
    const chunkMib = Number(options.chunkMib);
    if (!(chunkMib > 0)) ctx.fail('--chunk-mib must be a positive number.');
    return {
      sources: paths.slice(0, -1),
      destination: paths[paths.length - 1],
      move: options.move === true,
      onConflict: options.onConflict as ConflictPolicy,
      verify: options.verify === true,
      preserveTimestamps: options.preserveTimestamps,
      chunkSize: Math.round(chunkMib * 1024 * 1024),
    };
  },
  deps: ({ library }) => ({ library, hooks: hooksFromEnv() }),
  summarize: copySummary,
  failures: copyFailures,
});
