import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import type { ThumbnailsDeps, ThumbnailsInput, ThumbnailsState } from '../types.js';

/** Report what was done; the job's output is built from the state. */
export const complete = phase<ThumbnailsState, ThumbnailsInput, ThumbnailsDeps>({
  name: 'complete',
  weight: 0.1,
  async execute(ctx) {
    const c = ctx.state.counts;
    ctx.log(
      `thumbnails: ${c.images} images, ${c.thumbnails} files (${c.bytes} bytes), ${c.skipped} skipped, ` +
        `${c.failed} failed, ${c.removed} orphans removed`,
    );
    return Continue;
  },
});
