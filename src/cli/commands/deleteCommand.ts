import type { Command } from 'commander';
import { deleteJob } from '../../jobs/delete/deleteJob.js';
import type { DeleteInput, DeleteMode, DeleteOutput } from '../../jobs/delete/types.js';
import { trashEnvironment } from '../../jobs/trash/freedesktopTrash.js';
import type { JobRun } from '../../machines/JobRun.js';
import { runJob } from '../../machines/runJob.js';
import { CliError } from '../CliError.js';
import { libraryPath } from '../libraryPath.js';
import { openWorkspace } from '../openWorkspace.js';
import type { CliJob } from '../CliJob.js';
import { EXIT, runInForeground } from '../runInForeground.js';
import { resumeCommandFor } from './resumeCommand.js';

interface DeleteOptions {
  mode: string;
  yes?: boolean;
  passes: string;
  library?: string;
  json?: boolean;
  preserveRoot: boolean;
}

/** The delete job as the CLI runs and resumes it (registered in `CLI_JOBS`). */
export const deleteCliJob: CliJob = {
  definition: deleteJob,
  deps: (ws) => ({ library: ws.library, trash: trashEnvironment() }),
  summary: (o) =>
    (o.mode === 'trash'
      ? `${o.trashed.length} moved to the trash${o.alreadyGone ? `, ${o.alreadyGone} already gone` : ''}: ${o.trashed.join(', ')}`
      : `${o.mode === 'secure' ? 'securely ' : ''}deleted ${o.targets} path(s): ${o.files} files, ${o.dirs} dirs` +
        (o.overwritten ? `, ${o.overwritten} bytes overwritten` : '') +
        (o.alreadyGone ? `, ${o.alreadyGone} already gone` : '')) + failedSummary(o),
  // `phasekit resume` of a delete that could not remove every path exits 1 too, listing them.
  failures: (o: DeleteOutput | undefined, result) =>
    o?.failed
      ? {
          count: o.failed,
          label: 'path(s) could not be deleted and are still there',
          lines: result.errors.filter((e) => e.name === 'PathNotDeletedError').map((e) => e.message),
        }
      : undefined,
};

/**
 * The paths a finished delete could not delete, as the end of its summary ('' when none). A delete with any
 * exits non-zero, as `rm` does ({@link deleteExitCode}).
 */
export function failedSummary(output: DeleteOutput | undefined): string {
  const failed = output?.failed ?? 0;
  return failed ? `; FAILED: ${failed} path(s) could not be deleted and are still there (listed above)` : '';
}

/** Exit code of a delete run: `runInForeground`'s, but 1 when the job completed with paths it could not delete. */
export async function deleteExitCode(run: JobRun, code: number): Promise<number> {
  if (code !== EXIT.completed) return code;
  const result = await run.result;
  const failed = (result.output as DeleteOutput | undefined)?.failed ?? 0;
  if (failed === 0) return code;
  process.stderr.write(
    `phasekit: ${failed} path(s) could not be deleted and are still there (the errors above say why).\n`,
  );
  return EXIT.failed;
}

/** `phasekit delete <path>...` */
export function deleteCommand(program: Command): void {
  program
    .command('delete')
    .description(
      'Delete files and directories: to the trash (default), permanently, or securely (overwritten first).',
    )
    .argument('<paths...>', 'files and directories to delete')
    .option('--mode <mode>', 'trash | permanent | secure', 'trash')
    .option('--yes', 'confirm a permanent or secure delete (it cannot be undone)')
    .option('--passes <n>', 'overwrite passes of --mode secure', '3')
    .option('--library <file>', 'library file (its entries of deleted paths are removed)')
    .option('--json', 'JSON lines: progress, then the result')
    .option(
      '--no-preserve-root',
      'allow /, top-level system directories and folders holding your home or current directory',
    )
    .addHelpText(
      'after',
      `
Examples:
  phasekit delete ~/Downloads/old.iso             to the trash (restore it from your file manager)
  phasekit delete build/ --mode permanent --yes
  phasekit delete secrets.txt --mode secure --yes --passes 1

/, top-level system directories (/usr, /etc, /home…), and your home and current directories and every
folder above them are refused unless --no-preserve-root; the library's own files and folders always are.
A delete that could not delete some paths goes on with the rest, lists them, and exits 1.
`,
    )
    .action(async (paths: string[], options: DeleteOptions) => {
      if (!['trash', 'permanent', 'secure'].includes(options.mode)) {
        throw new CliError(`Unknown --mode "${options.mode}": use trash, permanent or secure.`);
      }
      if (options.mode !== 'trash' && options.yes !== true) {
        throw new CliError(
          `A ${options.mode} delete cannot be undone: add --yes to confirm, or use --mode trash.`,
        );
      }
      const passes = Number(options.passes);
      if (!Number.isInteger(passes) || passes < 1) throw new CliError('--passes must be a positive integer.');
      const input: DeleteInput = {
        paths,
        mode: options.mode as DeleteMode,
        confirm: options.yes === true,
        passes,
        preserveRoot: options.preserveRoot !== false,
      };
      const ws = openWorkspace(libraryPath(options.library));
      try {
        const run = runJob(deleteJob, input, {
          store: ws.store,
          deps: { library: ws.library, trash: trashEnvironment() },
        });
        const code = await runInForeground(run, {
          json: options.json === true,
          resumeCommand: resumeCommandFor(run.id, options.library),
          summary: deleteCliJob.summary,
        });
        process.exitCode = await deleteExitCode(run, code);
      } finally {
        ws.close();
      }
    });
}
