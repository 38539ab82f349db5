import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { duplicatesJob } from '../../jobs/duplicates/duplicatesJob.js';
import type { DuplicateMode, DuplicatesInput, DuplicatesOutput } from '../../jobs/duplicates/types.js';
import { runJob } from '../../machines/runJob.js';
import { CliError } from '../CliError.js';
import { leaseOptions } from '../leaseOptions.js';
import { formatBytes, formatCount } from '../format.js';
import { type AttachedInspector, attachInspector, type InspectOption } from '../inspect.js';
import { libraryPath } from '../libraryPath.js';
import { openWorkspace, type Workspace } from '../openWorkspace.js';
import { runInForeground } from '../runInForeground.js';
import { resumeCommandFor } from './resumeCommand.js';
import { getLocationByPath } from '../../jobs/library/locations.js';

interface DuplicatesOptions extends InspectOption {
  mode: string;
  minSize?: string;
  maxSize?: string;
  ext?: string;
  includeEmpty?: boolean;
  walk?: boolean;
  batchFiles: string;
  library?: string;
  json?: boolean;
}

const MODES: readonly DuplicateMode[] = ['size', 'name-and-size', 'content', 'deep'];

/** How the CLI runs, resumes and summarizes duplicate detection (an entry of `CLI_JOBS`). */
export const duplicatesCliJob = {
  definition: duplicatesJob,
  deps: (ws: Workspace) => ({ library: ws.library }),
  summary: (output: unknown) => duplicatesSummary(output as DuplicatesOutput),
};

/** `phasekit duplicates <path>...` */
export function duplicatesCommand(program: Command): void {
  program
    .command('duplicates')
    .description('Find files stored more than once and the space they waste, with live progress.')
    .argument(
      '<path...>',
      'directories (or files) to search; an indexed location reuses what the library knows',
    )
    .option('--mode <mode>', 'size | name-and-size | content | deep', 'content')
    .option('--min-size <bytes>', 'smallest file to consider (e.g. 4096, 10k, 1M); default 1')
    .option('--max-size <bytes>', 'largest file to consider')
    .option('--ext <list>', 'only these extensions, e.g. jpg,png')
    .option('--include-empty', 'count empty files as duplicates of each other')
    .option('--walk', 'walk the directory even when it is an indexed location (do not use the library)')
    .option('--batch-files <n>', 'files compared between two checkpoints', '2000')
    .option(
      '--library <file>',
      'library file (default $PHASEKIT_HOME/library.db or ~/.local/share/phasekit/library.db)',
    )
    .option('--json', 'JSON lines: progress, then the result with every group')
    .option('--inspect', 'stream the job to the Stately inspector (prints the URL)')
    .addHelpText(
      'after',
      `
Examples:
  phasekit duplicates ~/Photos ~/Backup/Photos
  phasekit duplicates ~/Music --ext mp3,flac --min-size 1M
  phasekit duplicates ~/Photos --mode deep --json

When the one path given is a location indexed in the library (phasekit index DIR), the library's entries are
the tree and its content ids and full hashes are reused for unchanged files: run it again and it reads
nothing it read before. Ctrl-C pauses and prints the command that resumes the job.
`,
    )
    .action(async (targets: string[], options: DuplicatesOptions) => {
      if (!MODES.includes(options.mode as DuplicateMode)) {
        throw new CliError(`Unknown --mode "${options.mode}": use ${MODES.join(', ')}.`);
      }
      const paths = targets.map((t) => path.resolve(t));
      for (const p of paths) {
        if (!fs.existsSync(p)) throw new CliError(`No such file or directory: ${p}`);
      }
      const batchFiles = Number(options.batchFiles);
      if (!Number.isInteger(batchFiles) || batchFiles < 1)
        throw new CliError('--batch-files must be a positive integer.');
      const minSize = options.minSize === undefined ? undefined : parseSize('--min-size', options.minSize);
      const maxSize = options.maxSize === undefined ? undefined : parseSize('--max-size', options.maxSize);
      if (minSize !== undefined && maxSize !== undefined && minSize > maxSize) {
        throw new CliError(`--min-size ${minSize} is larger than --max-size ${maxSize}.`);
      }
      const extensions = options.ext
        ?.split(',')
        .map((e) => e.trim().replace(/^\./, '').toLowerCase())
        .filter((e) => e.length > 0);
      const file = libraryPath(options.library);
      const ws = openWorkspace(file);
      let inspector: AttachedInspector | undefined;
      try {
        const indexed =
          paths.length === 1 && !options.walk ? getLocationByPath(ws.library, paths[0]) : undefined;
        const input: DuplicatesInput = {
          ...(indexed ? { location: indexed.id } : { paths }),
          mode: options.mode as DuplicateMode,
          ...(minSize !== undefined ? { minSize } : {}),
          ...(maxSize !== undefined ? { maxSize } : {}),
          ...(extensions?.length ? { extensions } : {}),
          includeEmpty: options.includeEmpty === true,
          batchFiles,
        };
        inspector = await attachInspector(options);
        const run = runJob(duplicatesJob, input, {
          ...leaseOptions(),
          store: ws.store,
          deps: { library: ws.library },
          inspect: inspector.inspect,
        });
        process.exitCode = await runInForeground(run, {
          json: options.json === true,
          resumeCommand: resumeCommandFor(run.id, options.library),
          summary: duplicatesCliJob.summary,
        });
      } finally {
        await inspector?.stop();
        ws.close();
      }
    });
}

/** `10k`, `1M`, `2G` (powers of 1024) or plain bytes. */
function parseSize(option: string, text: string): number {
  const m = /^(\d+)\s*([kmgt]?)i?b?$/i.exec(text.trim());
  if (!m)
    throw new CliError(
      `${option} "${text}" is not a size: give bytes, or a number with k, M, G or T (e.g. 10k, 1M).`,
    );
  const power = ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
  return Number(m[1]) * 1024 ** power;
}

/** The groups (most wasted first, the first 20) and the totals, for a terminal. */
export function duplicatesSummary(o: DuplicatesOutput): string {
  const lines: string[] = [];
  for (const g of o.groups.slice(0, 20)) {
    lines.push(`${g.files.length} × ${formatBytes(g.size)} (${formatBytes(g.wastedBytes)} wasted)`);
    for (const f of g.files)
      lines.push(`  ${f.path}${f.links ? ` (also hard-linked as ${f.links.join(', ')})` : ''}`);
  }
  if (o.groups.length > 20) lines.push(`… and ${o.groups.length - 20} more groups (--json lists them all).`);
  if (o.hardLinks.length > 0)
    lines.push(`${o.hardLinks.length} sets of hard links (one file each, not counted).`);
  const s = o.summary;
  lines.push(
    `${formatCount(s.groups)} groups, ${formatCount(s.files)} files: ${formatCount(s.duplicateFiles)} duplicates, ` +
      `${formatBytes(s.wastedBytes)} could be reclaimed (${formatCount(o.counts.files)} files scanned, ` +
      `${formatBytes(o.counts.bytesRead)} read, ${formatCount(o.counts.reused)} hashes reused).`,
  );
  return `${lines.length > 1 ? '\n' : ''}${lines.join('\n')}`;
}
