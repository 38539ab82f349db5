import fs from 'node:fs';
import path from 'node:path';
import { FatalError } from '../../../phases/PhaseError.js';
import type { PhaseContext } from '../../../phases/types.js';
import type { IndexerDeps, IndexerInput, IndexerState } from '../types.js';
import { reserveEntryIds } from '../../library/entries.js';
import { countEntriesBelowRoot } from '../indexerQueries.js';
import { upsertLocation } from '../../library/locations.js';
import { isNewLibrary, restoreDeferredIndexes } from '../writes/deferredIndexes.js';

type Ctx = PhaseContext<IndexerState, IndexerInput, IndexerDeps>;

/**
 * Start the walk: the location (created in the library if new), its root entry, and the root on the stack.
 * Returns whether the walk fills a new library (no entries but location roots): its secondary indexes are
 * then built once at the end (see `writes/deferredIndexes.ts`). Otherwise the indexes an earlier first
 * index left deferred (a job killed and never resumed) are built now.
 */
export function openLocation(ctx: Ctx): { deferIndexes: boolean } {
  const { state, input } = ctx;
  const root = path.resolve(input.path);
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch (error) {
    throw new FatalError(`Cannot index ${root}: ${(error as Error).message}. Give an existing directory.`, {
      cause: error,
    });
  }
  if (!st.isDirectory()) {
    throw new FatalError(`Cannot index ${root}: it is not a directory. Give the directory that contains it.`);
  }
  const rootBytes = Buffer.from(root);
  if (input.ephemeral) {
    state.rootId = 0;
    state.entries.push({
      id: 0,
      parentId: null,
      path: root,
      name: Buffer.alloc(0),
      kind: 'dir',
      size: 0,
      mtimeMs: st.mtimeMs,
      inode: st.ino,
    });
    state.stack.push({ id: 0, path: rootBytes, rel: '', fresh: true, share: 1 });
    state.explored = 0;
    state.expected = 0;
    return { deferIndexes: false };
  }
  const library = ctx.deps.library!;
  const location = upsertLocation(library, rootBytes, { rules: input.rules ?? null });
  state.locationId = location.id;
  state.rootId = location.rootEntryId;
  const others = countEntriesBelowRoot(library, location.id);
  state.cold = others === 0;
  state.expected = others;
  state.explored = 0;
  state.stack.push({ id: location.rootEntryId, path: location.path, rel: '', fresh: state.cold, share: 1 });
  const defer = state.cold && isNewLibrary(library);
  if (!defer) library.immediate(() => restoreDeferredIndexes(library));
  return { deferIndexes: defer };
}

/** Reserve `count` entry ids from the library (committed at once; a crash only leaves a gap). */
export function reserveIds(ctx: Ctx, count: number): void {
  const start = reserveEntryIds(ctx.deps.library!, count);
  ctx.state.nextId = start;
  ctx.state.endId = start + count;
}
