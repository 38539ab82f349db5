import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import {
  SEVERITIES,
  type Severity,
  type ValidationInput,
  type ValidationMode,
  type ValidationOutput,
} from '../../jobs/validation/types.js';
import { validationJob } from '../../jobs/validation/validationJob.js';
import { runJob } from '../../machines/runJob.js';
import { CliError } from '../CliError.js';
import { leaseOptions } from '../leaseOptions.js';
import { formatBytes, formatCount } from '../format.js';
import { type AttachedInspector, attachInspector, type InspectOption } from '../inspect.js';
import { libraryPath } from '../libraryPath.js';
import { openWorkspace, type Workspace } from '../openWorkspace.js';
import type { JobFailures } from '../CliJob.js';
import { runInForeground } from '../runInForeground.js';
import { resumeCommandFor } from './resumeCommand.js';
import { getLocation, getLocationByPath } from '../../jobs/library/locations.js';

interface ValidateOptions extends InspectOption {
  mode: string;
  failOn: string;
  batchSize: string;
  library?: string;
  json?: boolean;
}

/** Exit code of `phasekit validate` when an issue reaches `--fail-on`. */
export const EXIT_ISSUES = 2;

const MODES: readonly ValidationMode[] = ['basic', 'integrity', 'complete'];

/** How the CLI runs, resumes and summarizes validation (an entry of `CLI_JOBS`). */
export const validationCliJob = {
  definition: validationJob,
  deps: (ws: Workspace) => ({ library: ws.library }),
  summary: (output: unknown) => validationSummary(output as ValidationOutput),
  failures: (output: unknown) => validationFailures(output as ValidationOutput),
};

/** Issues that reach `--fail-on`: exit 2 (the summary lists the issues). */
export function validationFailures(o: ValidationOutput): JobFailures | undefined {
  if (!o.failed) return undefined;
  const from = SEVERITIES.indexOf(o.failOn);
  const count = SEVERITIES.slice(from).reduce((n, s) => n + o.bySeverity[s], 0);
  return {
    count,
    label: `${count === 1 ? 'issue reaches' : 'issues reach'} --fail-on ${o.failOn}`,
    lines: [],
    exitCode: EXIT_ISSUES,
  };
}

/** `phasekit validate <path or location id>` */
export function validateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'Check an indexed location against the disk: missing, changed and corrupted files, and more.',
    )
    .argument('<location>', 'the indexed directory (or its location id)')
    .option('--mode <mode>', 'basic | integrity | complete', 'basic')
    .option(
      '--fail-on <severity>',
      'exit 2 when an issue is at least: info | warning | error | critical',
      'error',
    )
    .option('--batch-size <n>', 'entries per transaction and checkpoint', '1000')
    .option(
      '--library <file>',
      'library file (default $PHASEKIT_HOME/library.db or ~/.local/share/phasekit/library.db)',
    )
    .option('--json', 'JSON lines: progress, then the result with every issue')
    .option('--inspect', 'stream the job to the Stately inspector (prints the URL)')
    .addHelpText(
      'after',
      `
Examples:
  phasekit validate ~/Photos                       does every file still exist, same size and mtime?
  phasekit validate ~/Photos --mode integrity      re-hash everything (the first run records the hashes)
  phasekit validate ~/Photos --mode complete --fail-on warning --json

Exit codes: 0 no issue reached --fail-on, 2 one did, 1 the job failed, 130 paused (Ctrl-C).
Validation never changes a file; the run and its issues are recorded in the library.
`,
    )
    .action(async (target: string, options: ValidateOptions) => {
      if (!MODES.includes(options.mode as ValidationMode)) {
        throw new CliError(`Unknown --mode "${options.mode}": use ${MODES.join(', ')}.`);
      }
      if (!SEVERITIES.includes(options.failOn as Severity)) {
        throw new CliError(`Unknown --fail-on "${options.failOn}": use ${SEVERITIES.join(', ')}.`);
      }
      const batchSize = Number(options.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1)
        throw new CliError('--batch-size must be a positive integer.');
      const ws = openWorkspace(libraryPath(options.library), { create: false });
      let inspector: AttachedInspector | undefined;
      try {
        const location =
          /^\d+$/.test(target) && !fs.existsSync(target)
            ? getLocation(ws.library, Number(target))
            : getLocationByPath(ws.library, path.resolve(target));
        if (!location) {
          throw new CliError(
            `${target} is not an indexed location in ${ws.file}. Index it first: phasekit index ${JSON.stringify(path.resolve(target))}`,
          );
        }
        const input: ValidationInput = {
          location: location.id,
          mode: options.mode as ValidationMode,
          failOn: options.failOn as Severity,
          batchSize,
        };
        inspector = await attachInspector(options);
        const run = runJob(validationJob, input, {
          ...leaseOptions(),
          store: ws.store,
          deps: { library: ws.library },
          inspect: inspector.inspect,
        });
        process.exitCode = await runInForeground(run, {
          json: options.json === true,
          resumeCommand: resumeCommandFor(run.id, options.library),
          summary: validationCliJob.summary,
          failures: validationCliJob.failures,
        });
      } finally {
        await inspector?.stop();
        ws.close();
      }
    });
}

/** The issues (worst first, the first 50) and the counts, for a terminal. */
export function validationSummary(o: ValidationOutput): string {
  const lines: string[] = [];
  const order = [...o.issues].sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity));
  for (const i of order.slice(0, 50))
    lines.push(`  ${i.severity.padEnd(8)} ${i.kind.padEnd(19)} ${i.path}: ${i.message}`);
  if (o.issueCount > 50)
    lines.push(`  … and ${o.issueCount - 50} more (--json lists them; all are in the library).`);
  const counts = SEVERITIES.filter((s) => o.bySeverity[s] > 0).map((s) => `${o.bySeverity[s]} ${s}`);
  lines.push(
    `${formatCount(o.checked)} entries checked (${o.mode}${o.hashedBytes ? `, ${formatBytes(o.hashedBytes)} hashed` : ''}` +
      `${o.recorded ? `, ${formatCount(o.recorded)} hashes recorded` : ''}): ` +
      (o.issueCount === 0
        ? 'no issues.'
        : `${counts.join(', ')}${o.failed ? ` — reaches --fail-on ${o.failOn}` : ''}.`),
  );
  return `${lines.length > 1 ? '\n' : ''}${lines.join('\n')}`;
}
