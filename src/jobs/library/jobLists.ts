/**
 * The `job_lists` table (migration 005): lists a job keeps beside its checkpoint, in numbered chunks of
 * bytes (the checkpoint keeps how many chunks are valid). Any job may use it; rows are keyed by job id and
 * list name. Functions take the {@link Library} first.
 */
import type { Library } from './Library.js';
import { LibraryCorruptError } from './LibraryCorruptError.js';

/**
 * Store chunk `seq` of a job's list, replacing a chunk with the same key. Runs in the caller's transaction
 * (commit it with the checkpoint that counts the chunk).
 */
export function putJobListChunk(
  library: Library,
  jobId: string,
  list: string,
  seq: number,
  data: Uint8Array,
): void {
  library.statements
    .get('INSERT OR REPLACE INTO job_lists (job_id, list, seq, data) VALUES (?, ?, ?, ?)')
    .run(jobId, list, seq, data);
}

/**
 * Chunks `0 .. count - 1` of a job's list, in order, as one lazy walk (one chunk in memory at a time).
 *
 * @throws {LibraryCorruptError} when a chunk is missing.
 */
export function* jobListChunks(
  library: Library,
  jobId: string,
  list: string,
  count: number,
): Generator<Buffer> {
  const chunk = library.statements.pluck(
    'SELECT data FROM job_lists WHERE job_id = ? AND list = ? AND seq = ?',
  );
  for (let seq = 0; seq < count; seq++) {
    const data = chunk.get(jobId, list, seq) as Buffer | undefined;
    if (data === undefined) {
      throw new LibraryCorruptError(
        library.file,
        `chunk ${seq} of list "${list}" of job ${jobId} is missing`,
      );
    }
    yield data;
  }
}

/** Delete a job's list (or, without `list`, all its lists); returns how many chunks. */
export function deleteJobList(library: Library, jobId: string, list?: string): number {
  if (list === undefined) {
    return library.statements.get('DELETE FROM job_lists WHERE job_id = ?').run(jobId).changes;
  }
  return library.statements.get('DELETE FROM job_lists WHERE job_id = ? AND list = ?').run(jobId, list)
    .changes;
}
