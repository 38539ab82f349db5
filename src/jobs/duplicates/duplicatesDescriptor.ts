import fs from 'node:fs';
import path from 'node:path';
import { defineJobDescriptor } from '../descriptor/defineJobDescriptor.js';
import type { DescriptorContext, SummaryFormat } from '../descriptor/JobDescriptor.js';
import { getLocationByPath } from '../library/locations.js';
import { duplicatesJob } from './duplicatesJob.js';
import type { DuplicateMode, DuplicatesInput, DuplicatesOutput } from './types.js';

interface DuplicatesArgs {
  path: string[];
}

interface DuplicatesOptions {
  mode: string;
  minSize?: string;
  maxSize?: string;
  ext?: string;
  includeEmpty?: boolean;
  walk?: boolean;
  batchFiles: string;
}

const MODES: readonly DuplicateMode[] = ['size', 'name-and-size', 'content', 'deep'];

/** `phasekit duplicates <path>...`: duplicate detection as a command. */
export const duplicatesDescriptor = defineJobDescriptor({
  command: 'duplicates',
  summary: 'Find files stored more than once and the space they waste, with live progress.',
  definition: duplicatesJob,
  arguments: [
    {
      name: 'path',
      description: 'directories (or files) to search; an indexed location reuses what the library knows',
      variadic: true,
    },
  ],
  options: [
    {
      flags: '--mode <mode>',
      key: 'mode',
      description: 'size | name-and-size | content | deep',
      default: 'content',
    },
    {
      flags: '--min-size <bytes>',
      key: 'minSize',
      description: 'smallest file to consider (e.g. 4096, 10k, 1M); default 1',
    },
    { flags: '--max-size <bytes>', key: 'maxSize', description: 'largest file to consider' },
    { flags: '--ext <list>', key: 'ext', description: 'only these extensions, e.g. jpg,png' },
    {
      flags: '--include-empty',
      key: 'includeEmpty',
      description: 'count empty files as duplicates of each other',
    },
    {
      flags: '--walk',
      key: 'walk',
      description: 'walk the directory even when it is an indexed location (do not use the library)',
    },
    {
      flags: '--batch-files <n>',
      key: 'batchFiles',
      description: 'files compared between two checkpoints',
      default: '2000',
    },
  ],
  commonHelp: { json: 'JSON lines: progress, then the result with every group' },
  help: `
Examples:
  phasekit duplicates ~/Photos ~/Backup/Photos
  phasekit duplicates ~/Music --ext mp3,flac --min-size 1M
  phasekit duplicates ~/Photos --mode deep --json

When the one path given is a location indexed in the library (phasekit index DIR), the library's entries are
the tree and its content ids and full hashes are reused for unchanged files: run it again and it reads
nothing it read before. Ctrl-C pauses and prints the command that resumes the job.
`,
  input(args: DuplicatesArgs, options: DuplicatesOptions, ctx: DescriptorContext): DuplicatesInput {
    if (!MODES.includes(options.mode as DuplicateMode)) {
      ctx.fail(`Unknown --mode "${options.mode}": use ${MODES.join(', ')}.`);
    }
    const paths = args.path.map((t) => path.resolve(t));
    for (const p of paths) {
      if (!fs.existsSync(p)) ctx.fail(`No such file or directory: ${p}`);
    }
    const batchFiles = Number(options.batchFiles);
    if (!Number.isInteger(batchFiles) || batchFiles < 1)
      ctx.fail('--batch-files must be a positive integer.');
    const minSize = options.minSize === undefined ? undefined : parseSize(ctx, '--min-size', options.minSize);
    const maxSize = options.maxSize === undefined ? undefined : parseSize(ctx, '--max-size', options.maxSize);
    if (minSize !== undefined && maxSize !== undefined && minSize > maxSize) {
      ctx.fail(`--min-size ${minSize} is larger than --max-size ${maxSize}.`);
    }
    const extensions = options.ext
      ?.split(',')
      .map((e) => e.trim().replace(/^\./, '').toLowerCase())
      .filter((e) => e.length > 0);
    const indexed =
      paths.length === 1 && !options.walk ? getLocationByPath(ctx.library(), paths[0]) : undefined;
    return {
      ...(indexed ? { location: indexed.id } : { paths }),
      mode: options.mode as DuplicateMode,
      ...(minSize !== undefined ? { minSize } : {}),
      ...(maxSize !== undefined ? { maxSize } : {}),
      ...(extensions?.length ? { extensions } : {}),
      includeEmpty: options.includeEmpty === true,
      batchFiles,
    };
  },
  deps: ({ library }) => ({ library }),
  summarize: duplicatesSummary,
});

/** `10k`, `1M`, `2G` (powers of 1024) or plain bytes. */
function parseSize(ctx: DescriptorContext, option: string, text: string): number {
  const m = /^(\d+)\s*([kmgt]?)i?b?$/i.exec(text.trim());
  if (!m)
    ctx.fail(`${option} "${text}" is not a size: give bytes, or a number with k, M, G or T (e.g. 10k, 1M).`);
  const power = ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
  return Number(m[1]) * 1024 ** power;
}

/** The groups (most wasted first, the first 20) and the totals, for a terminal. */
export function duplicatesSummary(o: DuplicatesOutput, format: SummaryFormat): string {
  const { bytes, count } = format;
  const lines: string[] = [];
  for (const g of o.groups.slice(0, 20)) {
    lines.push(`${g.files.length} × ${bytes(g.size)} (${bytes(g.wastedBytes)} wasted)`);
    for (const f of g.files)
      lines.push(`  ${f.path}${f.links ? ` (also hard-linked as ${f.links.join(', ')})` : ''}`);
  }
  if (o.groups.length > 20) lines.push(`… and ${o.groups.length - 20} more groups (--json lists them all).`);
  if (o.hardLinks.length > 0)
    lines.push(`${o.hardLinks.length} sets of hard links (one file each, not counted).`);
  const s = o.summary;
  lines.push(
    `${count(s.groups)} groups, ${count(s.files)} files: ${count(s.duplicateFiles)} duplicates, ` +
      `${bytes(s.wastedBytes)} could be reclaimed (${count(o.counts.files)} files scanned, ` +
      `${bytes(o.counts.bytesRead)} read, ${count(o.counts.reused)} hashes reused).`,
  );
  return `${lines.length > 1 ? '\n' : ''}${lines.join('\n')}`;
}
