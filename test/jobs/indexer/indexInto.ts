import { expect } from 'vitest';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import type { IndexerInput } from '../../../src/jobs/indexer/types.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { runJob } from '../../../src/machines/runJob.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';

/**
 * Open the library `file` (kept in `open`, for the test to close), let `before` set it up (a temp trigger, say),
 * and index `root` into it with `input` (content mode unless told): the run must complete.
 */
export async function indexInto(
  open: Library[],
  file: string,
  root: string,
  input: Partial<IndexerInput> = { mode: 'content' },
  before?: (library: Library) => void,
) {
  const library = openLibrary(file);
  open.push(library);
  before?.(library);
  const result = await runJob(
    indexerJob,
    { path: root, ...input },
    { store: new SqliteStore(library.db), deps: { library } },
  ).result;
  expect(result.status, JSON.stringify(result.failure)).toBe('completed');
  return { library, output: result.output! };
}
