import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { ThumbnailsInput } from '../../jobs/thumbnails/types.js';
import { thumbnailsJob } from '../../jobs/thumbnails/thumbnailsJob.js';
import { DEFAULT_THUMBNAIL_VARIANTS, resolveVariants } from '../../jobs/thumbnails/variants.js';
import { runJob } from '../../machines/runJob.js';
import { CliError } from '../CliError.js';
import { leaseOptions } from '../leaseOptions.js';
import { type AttachedInspector, attachInspector, type InspectOption } from '../inspect.js';
import { libraryPath } from '../libraryPath.js';
import { openWorkspace, type Workspace } from '../openWorkspace.js';
import { CLI_JOBS } from '../registry.js';
import { runInForeground } from '../runInForeground.js';
import { resumeCommandFor } from './resumeCommand.js';
import { getLocation, getLocationByPath } from '../../jobs/library/locations.js';

interface ThumbnailsOptions extends InspectOption {
  variants: string;
  regenerate?: boolean;
  concurrency?: string;
  batchSize: string;
  library?: string;
  json?: boolean;
}

/** `phasekit thumbnails [<path or location id>]` */
export function thumbnailsCommand(program: Command): void {
  program
    .command('thumbnails')
    .description('Make WebP thumbnails of the images in the library, once per content; remove orphaned ones.')
    .argument('[location]', 'a location: its directory or its id (default: every location)')
    .option(
      '--variants <list>',
      'presets or name:size:quality, comma-separated',
      DEFAULT_THUMBNAIL_VARIANTS.join(','),
    )
    .option('--regenerate', 'make thumbnails again even where they exist')
    .option('--concurrency <n>', 'images made at once (default: one per core, at most 4)')
    .option('--batch-size <n>', 'images per transaction and checkpoint', '32')
    .option(
      '--library <file>',
      'library file (default $PHASEKIT_HOME/library.db or ~/.local/share/phasekit/library.db)',
    )
    .option('--json', 'JSON lines: progress, then the result')
    .option('--inspect', 'stream the job to the Stately inspector (prints the URL)')
    .addHelpText(
      'after',
      `
Variants: icon@1x 128, icon@2x 256, grid@1x 256, grid@2x 512, detail@1x 1024, detail@2x 2048 (longest side,
px), or your own as name:size:quality (size 1-4096, quality 1-100). Thumbnails go to <library dir>/thumbnails.
Images need content ids: index with --mode content or deep first.

Examples:
  phasekit thumbnails
  phasekit thumbnails ~/Photos --variants grid@1x,detail@2x,poster:800:75
  phasekit index ~/Photos --mode deep --thumbnails

Ctrl-C pauses and prints the command that resumes the job.
`,
    )
    .action(async (target: string | undefined, options: ThumbnailsOptions) => {
      const input = thumbnailsInput(options);
      const ws = openWorkspace(libraryPath(options.library), { create: false });
      try {
        const location = target === undefined ? undefined : findLocation(ws, target);
        process.exitCode = await runThumbnails(ws, { ...input, location }, options);
      } finally {
        ws.close();
      }
    });
}

/**
 * Run the thumbnail job in the foreground on an open workspace (also after `phasekit index --thumbnails`);
 * resolves with the exit code.
 */
export async function runThumbnails(
  ws: Workspace,
  input: ThumbnailsInput,
  options: { json?: boolean; library?: string } & InspectOption,
): Promise<number> {
  let inspector: AttachedInspector | undefined;
  try {
    inspector = await attachInspector(options);
    const run = runJob(thumbnailsJob, input, {
      ...leaseOptions(),
      store: ws.store,
      deps: { library: ws.library },
      inspect: inspector.inspect,
    });
    return await runInForeground(run, {
      json: options.json === true,
      resumeCommand: resumeCommandFor(run.id, options.library),
      summary: CLI_JOBS.thumbnails.summary,
      failures: CLI_JOBS.thumbnails.failures,
    });
  } finally {
    await inspector?.stop();
  }
}

function thumbnailsInput(options: ThumbnailsOptions): ThumbnailsInput {
  let variants: ThumbnailsInput['variants'];
  try {
    variants = resolveVariants(options.variants.split(',').filter((v) => v.trim() !== ''));
  } catch (error) {
    throw new CliError(`--variants: ${(error as Error).message}`);
  }
  const batchSize = Number(options.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new CliError('--batch-size must be a positive integer.');
  const concurrency = options.concurrency === undefined ? undefined : Number(options.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)) {
    throw new CliError('--concurrency must be a whole number from 1 to 64.');
  }
  return {
    variants,
    regenerate: options.regenerate === true,
    batchSize,
    ...(concurrency ? { concurrency } : {}),
  };
}

/** A location by id (digits that are not an existing directory) or by path. */
function findLocation(ws: Workspace, target: string): number {
  const dir = path.resolve(target);
  if (/^\d+$/.test(target) && !fs.existsSync(dir)) {
    const byId = getLocation(ws.library, Number(target));
    if (byId) return byId.id;
    throw new CliError(`No location with id ${target} in ${ws.file}. Give the location's directory instead.`);
  }
  const byPath = getLocationByPath(ws.library, dir);
  if (byPath) return byPath.id;
  throw new CliError(
    `${dir} is not a location of ${ws.file}. Index it first: phasekit index ${JSON.stringify(dir)} --mode content`,
  );
}
