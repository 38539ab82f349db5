import fs from 'node:fs';
import path from 'node:path';
import { defineJobDescriptor } from '../descriptor/defineJobDescriptor.js';
import type { DescriptorContext } from '../descriptor/JobDescriptor.js';
import { getLocation, getLocationByPath } from '../library/locations.js';
import { thumbnailsJob } from './thumbnailsJob.js';
import type { ThumbnailsInput } from './types.js';
import { DEFAULT_THUMBNAIL_VARIANTS, resolveVariants } from './variants.js';

interface ThumbnailsArgs {
  location?: string;
}

interface ThumbnailsOptions {
  variants: string;
  regenerate?: boolean;
  concurrency?: string;
  batchSize: string;
}

/** `phasekit thumbnails [<path or location id>]`: the thumbnail job as a command. */
export const thumbnailsDescriptor = defineJobDescriptor({
  command: 'thumbnails',
  summary: 'Make WebP thumbnails of the images in the library, once per content; remove orphaned ones.',
  definition: thumbnailsJob,
  library: 'existing',
  arguments: [
    {
      name: 'location',
      description: 'a location: its directory or its id (default: every location)',
      optional: true,
    },
  ],
  options: [
    {
      flags: '--variants <list>',
      key: 'variants',
      description: 'presets or name:size:quality, comma-separated',
      default: DEFAULT_THUMBNAIL_VARIANTS.join(','),
    },
    { flags: '--regenerate', key: 'regenerate', description: 'make thumbnails again even where they exist' },
    {
      flags: '--concurrency <n>',
      key: 'concurrency',
      description: 'images made at once (default: one per core, at most 4)',
    },
    {
      flags: '--batch-size <n>',
      key: 'batchSize',
      description: 'images per transaction and checkpoint',
      default: '32',
    },
  ],
  help: `
Variants: icon@1x 128, icon@2x 256, grid@1x 256, grid@2x 512, detail@1x 1024, detail@2x 2048 (longest side,
px), or your own as name:size:quality (size 1-4096, quality 1-100). Thumbnails go to <library dir>/thumbnails.
Images need content ids: index with --mode content or deep first.

Examples:
  phasekit thumbnails
  phasekit thumbnails ~/Photos --variants grid@1x,detail@2x,poster:800:75
  phasekit index ~/Photos --mode deep --thumbnails

Ctrl-C pauses and prints the command that resumes the job.
`,
  input(args: ThumbnailsArgs, options: ThumbnailsOptions, ctx: DescriptorContext): ThumbnailsInput {
    let variants: ThumbnailsInput['variants'];
    try {
      variants = resolveVariants(options.variants.split(',').filter((v) => v.trim() !== ''));
    } catch (error) {
      ctx.fail(`--variants: ${(error as Error).message}`);
    }
    const batchSize = Number(options.batchSize);
    if (!Number.isInteger(batchSize) || batchSize < 1) ctx.fail('--batch-size must be a positive integer.');
    const concurrency = options.concurrency === undefined ? undefined : Number(options.concurrency);
    if (
      concurrency !== undefined &&
      (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    ) {
      ctx.fail('--concurrency must be a whole number from 1 to 64.');
    }
    const location = args.location === undefined ? undefined : findLocation(ctx, args.location);
    return {
      variants,
      regenerate: options.regenerate === true,
      batchSize,
      ...(concurrency ? { concurrency } : {}),
      location,
    };
  },
  deps: ({ library }) => ({ library }),
  summarize: (o) =>
    `${o.images} images, ${o.thumbnails} thumbnails (${o.bytes} bytes) in ${o.directory}; ` +
    `${o.skipped} already done, ${o.failed} unreadable, ${o.removed} orphaned sets removed`,
});

/** A location by id (digits that are not an existing directory) or by path. */
function findLocation(ctx: DescriptorContext, target: string): number {
  const dir = path.resolve(target);
  const library = ctx.library();
  if (/^\d+$/.test(target) && !fs.existsSync(dir)) {
    const byId = getLocation(library, Number(target));
    if (byId) return byId.id;
    ctx.fail(`No location with id ${target} in ${ctx.libraryFile}. Give the location's directory instead.`);
  }
  const byPath = getLocationByPath(library, dir);
  if (byPath) return byPath.id;
  ctx.fail(
    `${dir} is not a location of ${ctx.libraryFile}. Index it first: phasekit index ${JSON.stringify(dir)} --mode content`,
  );
}
