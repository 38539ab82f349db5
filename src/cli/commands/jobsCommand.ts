import fs from 'node:fs';
import type { Command } from 'commander';
import { peekEnvelope } from '../../persistence/peekEnvelope.js';
import type { JobRecord, SnapshotStore } from '../../persistence/types.js';
import { CliError } from '../CliError.js';
import { libraryPath } from '../libraryPath.js';
import { openWorkspaceFor, type StoreOption, type Workspace } from '../openWorkspace.js';
import { jsonReplacer } from '../runInForeground.js';
import { findStored, hasEnded, liveOwner } from './findJob.js';
import { checkJobs, checkStoredJobs } from './jobsCheck.js';

interface JobsOptions extends StoreOption {
  all?: boolean;
  library?: string;
  json?: boolean;
  remove?: string;
  check?: boolean;
}

const UNFINISHED = ['queued', 'running', 'paused'] as const;

/** `phasekit jobs [--all] [--check] [--remove <id>]` */
export function jobsCommand(program: Command): void {
  program
    .command('jobs')
    .description('List jobs: those not finished, or all with --all.')
    .option('--all', 'include completed, failed and cancelled jobs')
    .option('--check', 'say of each unfinished job whether this phasekit can resume it, and why not')
    .option(
      '--remove <id>',
      'remove a job that ended or that cannot be resumed (e.g. an unreadable checkpoint)',
    )
    .option('--library <file>', 'library file')
    .option('--store <url>', 'a shared store (postgres://…) instead of the library’s own')
    .option('--schema <name>', 'schema of the shared store’s tables', 'phasekit')
    .option('--json', 'one JSON array')
    .addHelpText(
      'after',
      `
Examples:
  phasekit jobs                    unfinished jobs
  phasekit jobs --all --json       every job, as JSON
  phasekit jobs --check            before deploying a new phasekit: can it resume what is stored? (exit 1 if not)
  phasekit jobs --remove 3f0c…     forget a job (cancel a resumable one instead, so its cleanup runs)
`,
    )
    .action(async (options: JobsOptions) => {
      const file = libraryPath(options.library);
      if (!fs.existsSync(file) && options.remove === undefined && options.store === undefined) {
        if (options.json) process.stdout.write('[]\n');
        else process.stdout.write(`No jobs (there is no library at ${file} yet).\n`);
        return;
      }
      const ws = await openWorkspaceFor(file, options);
      try {
        if (options.remove !== undefined) await removeJob(ws, options.remove, options.json === true);
        else if (options.check) process.exitCode = await checkJobs(ws, options.json === true);
        else await listJobs(ws, options);
      } finally {
        await ws.close();
      }
    });
}

async function listJobs(ws: Workspace, options: JobsOptions): Promise<void> {
  const records = await ws.store.list(options.all ? {} : { status: [...UNFINISHED] });
  // An unfinished job whose checkpoint cannot be read is said so, with how to remove it.
  const unreadable = new Map<string, string>();
  for (const r of records) {
    if (hasEnded(r.status)) continue;
    const stored = await ws.store.load(r.id);
    if (!stored) continue;
    try {
      peekEnvelope(stored.bytes);
    } catch (error) {
      unreadable.set(r.id, (error as Error).message.split('\n')[0]);
    }
  }
  if (options.json) {
    const rows = records.map((r) =>
      unreadable.has(r.id) ? { ...r, checkpointError: unreadable.get(r.id) } : r,
    );
    process.stdout.write(`${JSON.stringify(rows, jsonReplacer)}\n`);
    return;
  }
  if (records.length === 0) {
    process.stdout.write(
      options.all ? 'No jobs.\n' : 'No unfinished jobs (phasekit jobs --all lists every job).\n',
    );
    return;
  }
  process.stdout.write(table(records, unreadable));
  for (const [id, message] of unreadable) {
    process.stdout.write(
      `Job ${id}: its checkpoint cannot be read (${message}). Remove it with: phasekit jobs --remove ${id}\n`,
    );
  }
}

function table(records: readonly JobRecord[], unreadable: ReadonlyMap<string, string>): string {
  const rows = records.map((r) => [
    r.id,
    r.name,
    unreadable.has(r.id) ? `${r.status} (unreadable)` : r.status,
    r.phase ?? '',
    `${r.percent.toFixed(1)}%`,
    String(r.errorsCount),
    new Date(r.updatedAt).toISOString().replace('T', ' ').slice(0, 19),
    describeInput(r.input),
  ]);
  const header = ['ID', 'JOB', 'STATUS', 'PHASE', 'DONE', 'ERRORS', 'UPDATED', 'INPUT'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return `${[fmt(header), ...rows.map(fmt)].join('\n')}\n`;
}

/**
 * Remove a job that ended, or one this phasekit cannot resume. A resumable unfinished job is refused: cancel
 * it, so its cleanup runs (or `cancel --force` it); a job running in another process is refused.
 */
async function removeJob(ws: Workspace, id: string, json: boolean): Promise<void> {
  const stored = await findStored(ws, id);
  const { status } = stored.record;
  if (!hasEnded(status)) {
    const owner = await liveOwner(ws, id);
    if (owner)
      throw new CliError(
        `Job ${id} is running in process ${owner.pid} on ${owner.host}: cancel it (phasekit cancel ${id}) first.`,
      );
    const check = (await checkStoredJobs(ws)).find((c) => c.id === id);
    if (check?.ok)
      throw new CliError(
        `Job ${id} is ${status} and can be resumed: cancel it first (phasekit cancel ${id}) so its cleanup runs, ` +
          `or phasekit cancel --force ${id} to skip the cleanup; then remove it.`,
      );
  }
  const store: SnapshotStore = ws.store;
  await store.delete!(id);
  if (json) process.stdout.write(`${JSON.stringify({ jobId: id, removed: true, status })}\n`);
  else process.stdout.write(`Removed job ${id} (${status}).\n`);
}

/** The INPUT column: what a job works on (an indexer's path, delete's paths, a copy's sources → destination). */
export function describeInput(input: unknown): string {
  if (input && typeof input === 'object') {
    const o = input as Record<string, unknown>;
    if (typeof o.path === 'string') return o.path;
    if (Array.isArray(o.paths)) return o.paths.join(' ');
    if (Array.isArray(o.sources) && typeof o.destination === 'string')
      return `${o.sources.join(' ')} → ${o.destination}`;
  }
  return '';
}
