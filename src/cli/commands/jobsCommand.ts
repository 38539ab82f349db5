import type { Command } from 'commander';
import { libraryPath } from '../libraryPath.js';
import { openWorkspace } from '../openWorkspace.js';
import { jsonReplacer } from '../runInForeground.js';

/** `phasekit jobs` */
export function jobsCommand(program: Command): void {
  program
    .command('jobs')
    .description('List jobs: those not finished, or all with --all.')
    .option('--all', 'include completed, failed and cancelled jobs')
    .option('--library <file>', 'library file')
    .option('--json', 'one JSON array')
    .action(async (options: { all?: boolean; library?: string; json?: boolean }) => {
      const ws = openWorkspace(libraryPath(options.library), { create: false });
      try {
        const records = await ws.store.list(options.all ? {} : { status: ['queued', 'running', 'paused'] });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(records, jsonReplacer)}\n`);
          return;
        }
        if (records.length === 0) {
          process.stdout.write(
            options.all ? 'No jobs.\n' : 'No unfinished jobs (phasekit jobs --all lists every job).\n',
          );
          return;
        }
        const rows = records.map((r) => [
          r.id,
          r.name,
          r.status,
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
        process.stdout.write(`${[fmt(header), ...rows.map(fmt)].join('\n')}\n`);
      } finally {
        ws.close();
      }
    });
}

function describeInput(input: unknown): string {
  if (input && typeof input === 'object') {
    const o = input as Record<string, unknown>;
    if (typeof o.path === 'string') return o.path;
    if (Array.isArray(o.paths)) return o.paths.join(' ');
  }
  return '';
}
