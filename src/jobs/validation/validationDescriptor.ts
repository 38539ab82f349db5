import fs from 'node:fs';
import path from 'node:path';
import { defineJobDescriptor } from '../descriptor/defineJobDescriptor.js';
import type { DescriptorContext, JobFailures, SummaryFormat } from '../descriptor/JobDescriptor.js';
import { getLocation, getLocationByPath } from '../library/locations.js';
import {
  SEVERITIES,
  type Severity,
  type ValidationInput,
  type ValidationMode,
  type ValidationOutput,
} from './types.js';
import { validationJob } from './validationJob.js';

interface ValidateArgs {
  location: string;
}

interface ValidateOptions {
  mode: string;
  failOn: string;
  batchSize: string;
}

/** Exit code of `phasekit validate` when an issue reaches `--fail-on`. */
export const EXIT_ISSUES = 2;

const MODES: readonly ValidationMode[] = ['basic', 'integrity', 'complete'];

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

/** `phasekit validate <path or location id>`: validation as a command. */
export const validationDescriptor = defineJobDescriptor({
  command: 'validate',
  summary: 'Check an indexed location against the disk: missing, changed and corrupted files, and more.',
  definition: validationJob,
  library: 'existing',
  arguments: [{ name: 'location', description: 'the indexed directory (or its location id)' }],
  options: [
    { flags: '--mode <mode>', key: 'mode', description: 'basic | integrity | complete', default: 'basic' },
    {
      flags: '--fail-on <severity>',
      key: 'failOn',
      description: 'exit 2 when an issue is at least: info | warning | error | critical',
      default: 'error',
    },
    {
      flags: '--batch-size <n>',
      key: 'batchSize',
      description: 'entries per transaction and checkpoint',
      default: '1000',
    },
  ],
  commonHelp: { json: 'JSON lines: progress, then the result with every issue' },
  help: `
Examples:
  phasekit validate ~/Photos                       does every file still exist, same size and mtime?
  phasekit validate ~/Photos --mode integrity      re-hash everything (the first run records the hashes)
  phasekit validate ~/Photos --mode complete --fail-on warning --json

Exit codes: 0 no issue reached --fail-on, 2 one did, 1 the job failed, 130 paused (Ctrl-C).
Validation never changes a file; the run and its issues are recorded in the library.
`,
  input(args: ValidateArgs, options: ValidateOptions, ctx: DescriptorContext): ValidationInput {
    if (!MODES.includes(options.mode as ValidationMode)) {
      ctx.fail(`Unknown --mode "${options.mode}": use ${MODES.join(', ')}.`);
    }
    if (!SEVERITIES.includes(options.failOn as Severity)) {
      ctx.fail(`Unknown --fail-on "${options.failOn}": use ${SEVERITIES.join(', ')}.`);
    }
    const batchSize = Number(options.batchSize);
    if (!Number.isInteger(batchSize) || batchSize < 1) ctx.fail('--batch-size must be a positive integer.');
    const target = args.location;
    const library = ctx.library();
    const location =
      /^\d+$/.test(target) && !fs.existsSync(target)
        ? getLocation(library, Number(target))
        : getLocationByPath(library, path.resolve(target));
    if (!location) {
      ctx.fail(
        /^\d+$/.test(target) && !fs.existsSync(target)
          ? `No location has id ${target} in ${ctx.libraryFile}, and there is no directory ${JSON.stringify(target)} here. Give the indexed directory (phasekit validate DIR), or index it first: phasekit index DIR`
          : `${target} is not an indexed location in ${ctx.libraryFile}. Index it first: phasekit index ${JSON.stringify(path.resolve(target))}`,
      );
    }
    return {
      location: location.id,
      mode: options.mode as ValidationMode,
      failOn: options.failOn as Severity,
      batchSize,
    };
  },
  deps: ({ library }) => ({ library }),
  summarize: validationSummary,
  failures: validationFailures,
});

/** The issues (worst first, the first 50) and the counts, for a terminal. */
export function validationSummary(o: ValidationOutput, format: SummaryFormat): string {
  const lines: string[] = [];
  const order = [...o.issues].sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity));
  for (const i of order.slice(0, 50))
    lines.push(`  ${i.severity.padEnd(8)} ${i.kind.padEnd(19)} ${i.path}: ${i.message}`);
  if (o.issueCount > 50)
    lines.push(`  … and ${o.issueCount - 50} more (--json lists them; all are in the library).`);
  const counts = SEVERITIES.filter((s) => o.bySeverity[s] > 0).map((s) => `${o.bySeverity[s]} ${s}`);
  lines.push(
    `${format.count(o.checked)} entries checked (${o.mode}${o.hashedBytes ? `, ${format.bytes(o.hashedBytes)} hashed` : ''}` +
      `${o.recorded ? `, ${format.count(o.recorded)} hashes recorded` : ''}): ` +
      (o.issueCount === 0
        ? 'no issues.'
        : `${counts.join(', ')}${o.failed ? ` — reaches --fail-on ${o.failOn}` : ''}.`),
  );
  return `${lines.length > 1 ? '\n' : ''}${lines.join('\n')}`;
}
