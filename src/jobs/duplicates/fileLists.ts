/**
 * Duplicate detection's file lists kept in the library (table `job_lists`, migration 005) instead of in the
 * job's checkpoint: the collected files, the groups to compare, the sets found. Each list is a run of packed
 * chunks (`packGroups`), and the job's state keeps only how many chunks of each are valid, so a checkpoint
 * stays a few hundred bytes however many files are compared.
 *
 * Writes go with the checkpoint that counts them (`atomicWith`); a list is deleted only after a checkpoint
 * that no longer counts it has been written, so even a store that does not commit `atomicWith` with the
 * checkpoint (file, memory) never resumes into a missing list.
 */
import { FatalError } from '../../phases/PhaseError.js';
import type { Library } from '../library/Library.js';
import { packGroups, unpackGroups } from './packFiles.js';
import type { CandidateFile, CandidateGroup } from './types.js';
import { deleteJobList, jobListChunks, putJobListChunk } from '../library/jobLists.js';

/** Files per chunk (a larger group is one chunk of its own: groups are never split). */
const CHUNK_FILES = 2000;

/** The lists of a job. */
export type FileListName = 'collected' | 'pending' | 'done';

/** Pack groups into chunks of whole groups, up to {@link CHUNK_FILES} files each. */
export function chunkGroups(groups: readonly CandidateGroup[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let current: CandidateGroup[] = [];
  let files = 0;
  for (const g of groups) {
    if (files > 0 && files + g.files.length > CHUNK_FILES) {
      chunks.push(packGroups(current));
      current = [];
      files = 0;
    }
    current.push(g);
    files += g.files.length;
  }
  if (current.length > 0) chunks.push(packGroups(current));
  return chunks;
}

/** Pack a flat list of files (the collected ones) as chunks of one size-0 group each. */
export function chunkFiles(files: readonly CandidateFile[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < files.length; i += CHUNK_FILES) {
    chunks.push(packGroups([{ size: 0, files: files.slice(i, i + CHUNK_FILES) }]));
  }
  return chunks;
}

/** Write `chunks` as chunks `first ..` of a job's list. Run it in the checkpoint's `atomicWith`. */
export function writeList(
  library: Library,
  jobId: string,
  list: FileListName,
  chunks: readonly Uint8Array[],
  first = 0,
): void {
  for (let i = 0; i < chunks.length; i++) putJobListChunk(library, jobId, list, first + i, chunks[i]);
}

/**
 * Lists this process has committed and not read back yet, by library and job: the groups themselves, so the
 * next phase need not read and unpack what the last one just packed and wrote (a third of a second on
 * 75,000 files). Only ever a copy of committed rows: see {@link handOver}.
 */
const handedOver = new WeakMap<Library, Map<string, { count: number; groups: CandidateGroup[] }>>();

/**
 * Keep `groups`, the whole content of the first `count` chunks of a job's list, for the next
 * {@link readList} of exactly those chunks in this process. Call it only once the checkpoint that counts
 * them has returned (the rows are committed), and never touch `groups` again: the reader takes them as its
 * own and may change them. A read of another count, another library object (a resume in another process or
 * after reopening), or a second read finds nothing here and reads the library.
 */
export function handOver(
  library: Library,
  jobId: string,
  list: FileListName,
  count: number,
  groups: CandidateGroup[],
): void {
  let lists = handedOver.get(library);
  if (lists === undefined) {
    lists = new Map();
    handedOver.set(library, lists);
  }
  lists.set(`${list}\0${jobId}`, { count, groups });
}

/** The groups of the first `count` chunks of a job's list, in order. */
export function readList(
  library: Library,
  jobId: string,
  list: FileListName,
  count: number,
): CandidateGroup[] {
  const lists = handedOver.get(library);
  const kept = lists?.get(`${list}\0${jobId}`);
  if (kept !== undefined) {
    lists!.delete(`${list}\0${jobId}`);
    if (kept.count === count) return kept.groups;
  }
  const groups: CandidateGroup[] = [];
  for (const chunk of jobListChunks(library, jobId, list, count)) {
    for (const g of unpackGroups(chunk)) groups.push(g);
  }
  return groups;
}

/** Delete a job's lists; a cleanup that fails (a busy library) leaves rows no checkpoint counts: inert. */
export function dropLists(library: Library | undefined, jobId: string, list?: FileListName): void {
  if (library !== undefined) {
    const lists = handedOver.get(library);
    for (const name of list ? [list] : (['collected', 'pending', 'done'] as const)) {
      lists?.delete(`${name}\0${jobId}`);
    }
  }
  try {
    if (library !== undefined) deleteJobList(library, jobId, list);
  } catch {
    // Left for the next cleanup of this job; never read, since no checkpoint counts them.
  }
}

/**
 * The library that holds the job's lists (its state says they are there).
 * @throws {FatalError} when the job was resumed without it.
 */
export function listsLibrary(deps: { library?: Library } | undefined): Library {
  if (deps?.library === undefined) {
    throw new FatalError(
      'This duplicate detection keeps its file lists in the library: resume it with the library it ran with (deps.library, or --library FILE).',
    );
  }
  return deps.library;
}
