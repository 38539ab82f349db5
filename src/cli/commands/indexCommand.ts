import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { indexerJob } from '../../jobs/indexer/indexerJob.js';
import { parseRules } from '../../jobs/indexer/rules.js';
import type { IndexerInput } from '../../jobs/indexer/types.js';
import { runJob } from '../../machines/runJob.js';
import { MemoryStore } from '../../persistence/stores/MemoryStore.js';
import { CliError } from '../CliError.js';
import { leaseOptions } from '../leaseOptions.js';
import { libraryPath } from '../libraryPath.js';
import { openWorkspace } from '../openWorkspace.js';
import { CLI_JOBS } from '../registry.js';
import { runInForeground } from '../runInForeground.js';
import { type AttachedInspector, attachInspector, type InspectOption } from '../inspect.js';
import { resumeCommandFor } from './resumeCommand.js';
import { runThumbnails } from './thumbnailsCommand.js';

interface IndexOptions extends InspectOption {
  mode: 'shallow' | 'content' | 'deep';
  scope: 'current' | 'recursive';
  ephemeral?: boolean;
  rules?: string;
  library?: string;
  json?: boolean;
  batchSize?: string;
  thumbnails?: boolean;
}

/** `phasekit index <path>` */
export function indexCommand(program: Command): void {
  program
    .command('index')
    .description('Index a directory into the library (or in memory with --ephemeral), with live progress.')
    .argument('<path>', 'directory to index')
    .option('--mode <mode>', 'shallow | content | deep', 'shallow')
    .option('--scope <scope>', 'recursive | current', 'recursive')
    .option('--ephemeral', 'keep the index in memory and print it; write nothing')
    .option(
      '--rules <list>',
      'rules to turn on (or off with -): hidden,system,git,gitignore,devDirs,onlyImages',
    )
    .option('--batch-size <n>', 'entries per transaction and checkpoint', '1000')
    .option(
      '--library <file>',
      'library file (default $PHASEKIT_HOME/library.db or ~/.local/share/phasekit/library.db)',
    )
    .option('--json', 'JSON lines: progress, then the result')
    .option('--inspect', 'stream the job to the Stately inspector (prints the URL)')
    .option('--thumbnails', 'with --mode deep: then make the thumbnails of its images (phasekit thumbnails)')
    .addHelpText(
      'after',
      `
Examples:
  phasekit index ~/Photos
  phasekit index ~/code --mode content --rules gitignore,devDirs
  phasekit index /mnt/disk --scope current --ephemeral --json

Ctrl-C pauses and prints the command that resumes the job.
`,
    )
    .action(async (target: string, options: IndexOptions) => {
      const root = path.resolve(target);
      const st = fs.statSync(root, { throwIfNoEntry: false });
      if (!st) throw new CliError(`No such directory: ${root}`);
      if (!st.isDirectory()) throw new CliError(`Not a directory: ${root}. Give the directory to index.`);
      if (!['shallow', 'content', 'deep'].includes(options.mode)) {
        throw new CliError(`Unknown --mode "${options.mode}": use shallow, content or deep.`);
      }
      if (options.thumbnails && (options.mode !== 'deep' || options.ephemeral)) {
        throw new CliError('--thumbnails needs --mode deep and a library (not --ephemeral).');
      }
      if (!['current', 'recursive'].includes(options.scope)) {
        throw new CliError(`Unknown --scope "${options.scope}": use recursive or current.`);
      }
      let rules: ReturnType<typeof parseRules>;
      try {
        rules = parseRules(options.rules);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      const batchSize = Number(options.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1)
        throw new CliError(`--batch-size must be a positive integer.`);
      const input: IndexerInput = {
        path: root,
        mode: options.mode,
        scope: options.scope,
        ephemeral: options.ephemeral === true,
        rules,
        batchSize,
      };
      const summary = CLI_JOBS.indexer.summary;
      if (input.ephemeral) {
        const inspector = await attachInspector(options);
        try {
          const run = runJob(indexerJob, input, { store: new MemoryStore(), inspect: inspector.inspect });
          process.exitCode = await runInForeground(run, {
            json: options.json === true,
            resumeCommand: '(an ephemeral index cannot be resumed)',
            summary,
          });
        } finally {
          await inspector.stop();
        }
        return;
      }
      const file = libraryPath(options.library);
      const ws = openWorkspace(file);
      let inspector: AttachedInspector | undefined;
      try {
        inspector = await attachInspector(options);
        const run = runJob(indexerJob, input, {
          ...leaseOptions(),
          store: ws.store,
          deps: { library: ws.library },
          inspect: inspector.inspect,
        });
        process.exitCode = await runInForeground(run, {
          json: options.json === true,
          resumeCommand: resumeCommandFor(run.id, options.library),
          summary,
        });
        if (options.thumbnails && process.exitCode === 0) {
          const shown = { json: options.json, library: options.library };
          process.exitCode = await runThumbnails(ws, { location: root }, shown);
        }
      } finally {
        await inspector?.stop();
        ws.close();
      }
    });
}
