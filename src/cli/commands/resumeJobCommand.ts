import type { Command } from 'commander';
import { resumeJob } from '../../machines/resumeJob.js';
import { CliError } from '../CliError.js';
import { type AttachedInspector, attachInspector, type InspectOption } from '../inspect.js';
import { libraryPath } from '../libraryPath.js';
import { openWorkspace } from '../openWorkspace.js';
import { CLI_JOBS } from '../registry.js';
import { runInForeground } from '../runInForeground.js';
import { resumeCommandFor } from './resumeCommand.js';

/** `phasekit resume <id>` and `phasekit cancel <id>` */
export function resumeCommands(program: Command): void {
  program
    .command('resume')
    .description('Resume a paused or interrupted job from its last checkpoint, with live progress.')
    .argument('<id>', 'job id (see phasekit jobs)')
    .option('--library <file>', 'library file')
    .option('--json', 'JSON lines: progress, then the result')
    .option('--inspect', 'stream the job to the Stately inspector (prints the URL)')
    .addHelpText('after', '\nExample:\n  phasekit resume 3f0c9e2a-…\n')
    .action(async (id: string, options: { library?: string; json?: boolean } & InspectOption) => {
      const ws = openWorkspace(libraryPath(options.library), { create: false });
      let inspector: AttachedInspector | undefined;
      try {
        const { job, record } = await findJob(ws, id);
        if (record.status === 'failed' || record.status === 'cancelled') {
          throw new CliError(`Job ${id} already ended (${record.status}); there is nothing to resume.`);
        }
        // A completed job (say, killed between its last checkpoint and its exit) gives its result again.
        inspector = await attachInspector(options);
        const run = await resumeJob(job.definition, id, {
          store: ws.store,
          deps: job.deps(ws),
          inspect: inspector.inspect,
        });
        process.exitCode = await runInForeground(run, {
          json: options.json === true,
          resumeCommand: resumeCommandFor(id, options.library),
          summary: job.summary,
        });
      } finally {
        await inspector?.stop();
        ws.close();
      }
    });

  program
    .command('cancel')
    .description("Cancel a paused or interrupted job: its phase's cleanup runs and it ends cancelled.")
    .argument('<id>', 'job id (see phasekit jobs)')
    .option('--library <file>', 'library file')
    .option('--json', 'print the result as JSON')
    .action(async (id: string, options: { library?: string; json?: boolean }) => {
      const ws = openWorkspace(libraryPath(options.library), { create: false });
      try {
        const { job, record } = await findJob(ws, id);
        if (record.status === 'completed' || record.status === 'failed' || record.status === 'cancelled') {
          throw new CliError(`Job ${id} already ended (${record.status}).`);
        }
        const run = await resumeJob(job.definition, id, {
          store: ws.store,
          deps: job.deps(ws),
          resume: false,
        });
        run.cancel();
        const result = await run.result;
        if (options.json) process.stdout.write(`${JSON.stringify({ jobId: id, status: result.status })}\n`);
        else process.stdout.write(`Job ${id} ${result.status}.\n`);
        process.exitCode = result.status === 'cancelled' ? 0 : 1;
      } finally {
        ws.close();
      }
    });
}

async function findJob(ws: ReturnType<typeof openWorkspace>, id: string) {
  const stored = await ws.store.load(id);
  if (!stored) throw new CliError(`No job ${id} in ${ws.file}. List jobs with: phasekit jobs --all`);
  const job = CLI_JOBS[stored.record.name];
  if (!job)
    throw new CliError(
      `Job ${id} is a "${stored.record.name}" job, which this phasekit does not know (jobs: ${Object.keys(CLI_JOBS).join(', ')}).`,
    );
  return { job, record: stored.record };
}
