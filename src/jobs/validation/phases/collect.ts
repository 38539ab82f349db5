import path from 'node:path';
import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { FatalError } from '../../../phases/PhaseError.js';
import type { ValidationDeps, ValidationInput, ValidationState } from '../types.js';
import { getLocation, getLocationByPath } from '../../library/locations.js';
import { countEntriesAfter } from '../validationQueries.js';
import { openValidationRun } from '../validationRuns.js';

/**
 * Find the location, open the library's validation run for this job (one per job: a resumed job adds to it),
 * and count the entries to check. The run is created in the same transaction as the checkpoint that records
 * its id.
 */
export const collect = phase<ValidationState, ValidationInput, ValidationDeps>({
  name: 'collect',
  async execute(ctx) {
    const { state, input } = ctx;
    const library = ctx.deps.library;
    if (!library) throw new TypeError('Validation needs deps.library: it checks what the library recorded.');
    const location =
      typeof input.location === 'number'
        ? getLocation(library, input.location)
        : getLocationByPath(library, path.resolve(input.location));
    if (!location) {
      throw new FatalError(
        `No indexed location ${JSON.stringify(input.location)} in the library. Index it first (phasekit index DIR); validation checks what an index recorded.`,
      );
    }
    state.locationId = location.id;
    state.locationPath = location.pathText;
    state.total = countEntriesAfter(library, location.id, location.rootEntryId);
    await ctx.checkpoint({
      force: true,
      atomicWith: () => {
        state.runId = openValidationRun(
          library,
          location.id,
          ctx.jobId,
          input.mode ?? 'basic',
          ctx.clock.now(),
        );
      },
    });
    return Continue;
  },
});
