import fs from 'node:fs';
import path from 'node:path';
import { defineJobDescriptor } from '../descriptor/defineJobDescriptor.js';
import type { DescriptorContext } from '../descriptor/JobDescriptor.js';
import { indexerJob } from './indexerJob.js';
import { parseRules } from './rules.js';
import type { IndexerInput } from './types.js';

interface IndexArgs {
  path: string;
}

interface IndexOptions {
  mode: string;
  scope: string;
  ephemeral?: boolean;
  rules?: string;
  batchSize?: string;
  thumbnails?: boolean;
}

/** `phasekit index <path>`: the indexer as a command. */
export const indexerDescriptor = defineJobDescriptor({
  command: 'index',
  summary: 'Index a directory into the library (or in memory with --ephemeral), with live progress.',
  definition: indexerJob,
  arguments: [{ name: 'path', description: 'directory to index' }],
  options: [
    { flags: '--mode <mode>', key: 'mode', description: 'shallow | content | deep', default: 'shallow' },
    { flags: '--scope <scope>', key: 'scope', description: 'recursive | current', default: 'recursive' },
    {
      flags: '--ephemeral',
      key: 'ephemeral',
      description: 'keep the index in memory and write nothing (--json prints its entries)',
    },
    {
      flags: '--rules <list>',
      key: 'rules',
      description: 'rules to turn on (or off with -): hidden,system,git,gitignore,devDirs,onlyImages',
    },
    {
      flags: '--batch-size <n>',
      key: 'batchSize',
      description: 'entries per transaction and checkpoint (default 1000; content ids: 5000)',
    },
    {
      flags: '--thumbnails',
      key: 'thumbnails',
      description: 'with --mode deep: then make the thumbnails of its images (phasekit thumbnails)',
    },
  ],
  help: `
Examples:
  phasekit index ~/Photos
  phasekit index ~/code --mode content --rules gitignore,devDirs
  phasekit index /mnt/disk --scope current --ephemeral --json

Ctrl-C pauses and prints the command that resumes the job.
`,
  input(args: IndexArgs, options: IndexOptions, ctx: DescriptorContext): IndexerInput {
    const root = path.resolve(args.path);
    const st = fs.statSync(root, { throwIfNoEntry: false });
    if (!st) ctx.fail(`No such directory: ${root}`);
    if (!st.isDirectory()) ctx.fail(`Not a directory: ${root}. Give the directory to index.`);
    if (!['shallow', 'content', 'deep'].includes(options.mode)) {
      ctx.fail(`Unknown --mode "${options.mode}": use shallow, content or deep.`);
    }
    if (options.thumbnails && (options.mode !== 'deep' || options.ephemeral)) {
      ctx.fail('--thumbnails needs --mode deep and a library (not --ephemeral).');
    }
    if (!['current', 'recursive'].includes(options.scope)) {
      ctx.fail(`Unknown --scope "${options.scope}": use recursive or current.`);
    }
    let rules: ReturnType<typeof parseRules>;
    try {
      rules = parseRules(options.rules);
    } catch (error) {
      ctx.fail((error as Error).message);
    }
    // Unset, each phase takes its own default (the content phase's batches are larger).
    const batchSize = options.batchSize === undefined ? undefined : Number(options.batchSize);
    if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) {
      ctx.fail('--batch-size must be a positive integer.');
    }
    return {
      path: root,
      mode: options.mode as IndexerInput['mode'],
      scope: options.scope as IndexerInput['scope'],
      ephemeral: options.ephemeral === true,
      rules,
      ...(batchSize !== undefined ? { batchSize } : {}),
    };
  },
  ephemeral: (input) => input.ephemeral === true,
  deps: ({ library }) => ({ library }),
  summarize: (o) =>
    `${o.path}: ${o.files} files, ${o.dirs} dirs, ${o.symlinks} links, ${o.bytes} bytes — ` +
    `${o.new} new, ${o.modified} modified, ${o.moved} moved, ${o.deleted} deleted, ${o.unchanged} unchanged` +
    (o.contentIds ? `, ${o.contentIds} content ids` : '') +
    (o.deep ? `, ${o.deep} sniffed` : ''),
  // `index --mode deep --thumbnails`: then the thumbnails of what it indexed.
  next: (input, options) =>
    options.thumbnails ? { command: 'thumbnails', input: { location: input.path } } : undefined,
});
