import path from 'node:path';
import { Continue } from '../../../phases/outcomes.js';
import { FatalError } from '../../../phases/PhaseError.js';
import { phase } from '../../../phases/phase.js';
import { nextImages } from '../nextImages.js';
import { ThumbnailsSetupError } from '../ThumbnailsSetupError.js';
import type { ThumbnailsDeps, ThumbnailsInput, ThumbnailsState } from '../types.js';
import { resolveVariants } from '../variants.js';
import { getLocation, getLocationByPath } from '../../library/locations.js';

const PAGE = 1000;

/**
 * Settle what the job does — the variants, the thumbnails directory, the location — into its state (so a
 * resumed job makes the same), and count the image contents that need thumbnails. Writes nothing.
 */
export const discovery = phase<ThumbnailsState, ThumbnailsInput, ThumbnailsDeps>({
  name: 'discovery',
  weight: 0.5,
  async execute(ctx) {
    const { state, input } = ctx;
    const library = ctx.deps.library;
    if (!library)
      throw new FatalError('The thumbnail job needs deps.library: the library to read images from.');
    if (state.directory === '') {
      state.variants = resolveVariants(input.variants);
      state.directory = thumbnailsDirectory(ctx.deps);
      state.locationId = locationIdOf(ctx.deps, input.location);
    }
    const walk = {
      library,
      variants: state.variants,
      locationId: state.locationId,
      regenerate: input.regenerate === true,
    };
    let total = 0;
    let cursor = state.cursor;
    for (;;) {
      const page = nextImages(walk, cursor, PAGE);
      if (page.cursor === null) break;
      total += page.work.length;
      cursor = page.cursor;
      ctx.reportProgress({ message: `${total} images need thumbnails` });
    }
    state.total = total;
    ctx.log(`${total} images need thumbnails`, { variants: state.variants.map((v) => v.name) });
    return Continue;
  },
});

function thumbnailsDirectory(deps: ThumbnailsDeps): string {
  if (deps.directory !== undefined) return path.resolve(deps.directory);
  const file = deps.library.file;
  if (file === '' || file === ':memory:') {
    throw new ThumbnailsSetupError(
      'An in-memory library has no directory to keep thumbnails in: pass deps.directory.',
    );
  }
  return path.join(path.dirname(path.resolve(file)), 'thumbnails');
}

function locationIdOf(deps: ThumbnailsDeps, location: number | string | undefined): number | null {
  if (location === undefined) return null;
  const found =
    typeof location === 'number'
      ? getLocation(deps.library, location)
      : getLocationByPath(deps.library, path.resolve(location));
  if (found === undefined) {
    throw new ThumbnailsSetupError(
      `No location ${JSON.stringify(location)} in the library ${deps.library.file}: index it first (phasekit index <dir> --mode content).`,
    );
  }
  return found.id;
}
