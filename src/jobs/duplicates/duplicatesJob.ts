import { defineJob } from '../../phases/defineJob.js';
import { display } from '../content/fileBytes.js';
import { finalSets } from './finalSets.js';
import { analysis } from './phases/analysis.js';
import { collect } from './phases/collect.js';
import { complete } from './phases/complete.js';
import { groupBySize } from './phases/groupBySize.js';
import type {
  DuplicateGroup,
  DuplicatesDeps,
  DuplicatesInput,
  DuplicatesOutput,
  DuplicatesState,
} from './types.js';

/**
 * Duplicate detection: collect → group-by-size → analysis → complete. Finds files stored more than once and
 * the bytes they waste, over directories it walks or over an indexed location of the library (reusing the
 * content ids and full hashes the library holds for files whose size, mtime and ctime are unchanged). Hard links
 * to one inode are one file, listed apart; symlinks are never followed; unreadable files are non-fatal
 * errors.
 *
 * @example
 * ```ts
 * const run = runJob(duplicatesJob, { paths: ['/home/me/Photos'], mode: 'content' }, { store });
 * const { output } = await run.result;
 * console.log(output.summary.wastedBytes, output.groups[0]?.files.map((f) => f.path));
 * ```
 */
export const duplicatesJob = defineJob<DuplicatesState, DuplicatesInput, DuplicatesDeps, DuplicatesOutput>({
  name: 'duplicates',
  version: 1,
  phases: [collect, groupBySize, analysis, complete],
  initialState: () => ({
    locationId: null,
    lists: null,
    collected: null,
    pending: null,
    cursor: 0,
    groupFiles: 0,
    doneFiles: 0,
    done: [],
    hardLinks: [],
    counts: {
      files: 0,
      bytes: 0,
      symlinks: 0,
      uniqueSize: 0,
      partialHashed: 0,
      fullHashed: 0,
      compared: 0,
      bytesRead: 0,
      reused: 0,
      vanished: 0,
    },
  }),
  output: (state, input) => {
    const mode = input.mode ?? 'content';
    const groups: DuplicateGroup[] = state.done.flatMap(finalSets).map((set) => ({
      size: set.size,
      ...(set.files[0]?.fullHash && (mode === 'content' || mode === 'deep')
        ? { hash: set.files[0].fullHash }
        : {}),
      files: set.files.map((f) => ({
        path: display(f.path),
        size: f.size,
        mtimeMs: f.mtimeMs,
        ...(f.links ? { links: f.links.map(display) } : {}),
      })),
      totalBytes: set.size * set.files.length,
      wastedBytes: set.size * (set.files.length - 1),
    }));
    const files = groups.reduce((n, g) => n + g.files.length, 0);
    return {
      mode,
      groups,
      hardLinks: state.hardLinks.map((h) => ({ size: h.size, paths: h.paths.map(display) })),
      summary: {
        groups: groups.length,
        files,
        duplicateFiles: files - groups.length,
        wastedBytes: groups.reduce((n, g) => n + g.wastedBytes, 0),
      },
      counts: { ...state.counts },
    };
  },
});
