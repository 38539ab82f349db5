/**
 * `phasekit/jobs` — the file jobs of phasekit (indexer, copy, delete, duplicates, validation, thumbnails), their
 * descriptors (how the CLI offers, runs and resumes each), the SQLite library they record into, and content
 * identity. Loads better-sqlite3, sharp and BLAKE3 (native).
 *
 * @example
 * ```ts
 * import { runJob } from 'phasekit';
 * import { SqliteStore } from 'phasekit/sqlite';
 * import { indexerJob, openLibrary } from 'phasekit/jobs';
 * const library = openLibrary('./library.db');
 * const store = new SqliteStore(library.db); // one file: batches commit with their checkpoints
 * const run = runJob(indexerJob, { path: '/home/me/Photos' }, { store, deps: { library } });
 * console.log((await run.result).output);
 * ```
 *
 * @packageDocumentation
 */
export { indexerJob } from './indexer/indexerJob.js';
export type {
  ArgumentSpec,
  CommonJobOptions,
  DescriptorContext,
  DescriptorWorkspace,
  JobDescriptor,
  JobFailures,
  NextJob,
  OptionSpec,
  SummaryFormat,
} from './descriptor/JobDescriptor.js';
export { defineJobDescriptor } from './descriptor/defineJobDescriptor.js';
export { indexerDescriptor } from './indexer/indexerDescriptor.js';
export { copyDescriptor } from './copy/copyDescriptor.js';
export { deleteDescriptor } from './delete/deleteDescriptor.js';
export { duplicatesDescriptor } from './duplicates/duplicatesDescriptor.js';
export { validationDescriptor } from './validation/validationDescriptor.js';
export { thumbnailsDescriptor } from './thumbnails/thumbnailsDescriptor.js';
export type {
  IndexerCounts,
  IndexerDeps,
  IndexerInput,
  IndexerOutput,
  IndexerState,
} from './indexer/types.js';
export { openLibrary } from './library/openLibrary.js';
export type { OpenLibraryOptions } from './library/openLibrary.js';
export { Library } from './library/Library.js';
export type {
  ContentIdAssignment,
  ContentIdentityRow,
  EntryChanges,
  EntryKind,
  EntryRow,
  EntrySummary,
  EntryUpdate,
  LocationRow,
  NewEntry,
} from './library/types.js';
export {
  deleteLocation,
  getLocation,
  getLocationByPath,
  listLocations,
  markLocationIndexed,
  upsertLocation,
} from './library/locations.js';
export {
  adjustTotalsUpward,
  childrenOf,
  deleteEntries,
  dirsOfLocation,
  entriesOfLocation,
  findByInode,
  findEntry,
  getEntry,
  insertEntries,
  pathOf,
  reserveEntryIds,
  updateEntries,
} from './library/entries.js';
export type { DirRow } from './library/entries.js';
export { getContentIdentity, pruneContentIdentities, setContentIds } from './library/contentIdentities.js';
export { getValidationRun } from './validation/validationRuns.js';
export type { ValidationIssueRow, ValidationRunRow } from './validation/validationRuns.js';
export { thumbnailsOf } from './thumbnails/thumbnailsTable.js';
export type { ThumbnailRow } from './thumbnails/thumbnailsTable.js';
export { LibraryCorruptError } from './library/LibraryCorruptError.js';
export { NotALibraryError } from './library/NotALibraryError.js';
export { LibraryBusyError } from './library/LibraryBusyError.js';
export { LibraryVersionError } from './library/LibraryVersionError.js';
export { LibraryOpenError } from './library/LibraryOpenError.js';
export {
  contentIdOfBytes,
  contentIdOfFile,
  contentIdOfFileSync,
  sampledRanges,
} from './content/contentId.js';
export type { ByteRange } from './content/contentId.js';
export { fullHashOfFile } from './content/fullHashOfFile.js';
export type { FullHashOptions } from './content/fullHashOfFile.js';
export type { ContentKind } from './content/ContentKind.js';
export { PathNotDeletedError } from './delete/PathNotDeletedError.js';
export { copyJob } from './copy/copyJob.js';
export { CopyRefusedError } from './copy/CopyRefusedError.js';
export type {
  ConflictPolicy,
  CopyCounts,
  CopyDeps,
  CopyInput,
  CopyOutput,
  CopyState,
} from './copy/types.js';
export { deleteJob } from './delete/deleteJob.js';
export { DeleteRefusedError } from './delete/DeleteRefusedError.js';
export type {
  DeleteCounts,
  DeleteDeps,
  DeleteInput,
  DeleteMode,
  DeleteOutput,
  DeleteState,
} from './delete/types.js';
export type { TrashEnvironment } from './trash/freedesktopTrash.js';
export { thumbnailsJob } from './thumbnails/thumbnailsJob.js';
export {
  THUMBNAIL_PRESETS,
  DEFAULT_THUMBNAIL_VARIANTS,
  resolveVariants,
  parseVariant,
} from './thumbnails/variants.js';
export { thumbnailPath } from './thumbnails/thumbnailPath.js';
export { defaultThumbnailConcurrency } from './thumbnails/defaultConcurrency.js';
export { ThumbnailVariantError } from './thumbnails/ThumbnailVariantError.js';
export { ThumbnailSourceError } from './thumbnails/ThumbnailSourceError.js';
export { ThumbnailsSetupError } from './thumbnails/ThumbnailsSetupError.js';
export type {
  ThumbnailRecord,
  ThumbnailsCounts,
  ThumbnailsDeps,
  ThumbnailsInput,
  ThumbnailsOutput,
  ThumbnailsState,
  ThumbnailVariant,
} from './thumbnails/types.js';
export { duplicatesJob } from './duplicates/duplicatesJob.js';
export type {
  DuplicateFile,
  DuplicateGroup,
  DuplicateMode,
  DuplicatesCounts,
  DuplicatesDeps,
  DuplicatesInput,
  DuplicatesOutput,
  DuplicatesState,
} from './duplicates/types.js';
export { validationJob } from './validation/validationJob.js';
export { SEVERITIES } from './validation/types.js';
export type {
  IssueKind,
  Severity,
  ValidationDeps,
  ValidationInput,
  ValidationIssue,
  ValidationLimits,
  ValidationMode,
  ValidationOutput,
  ValidationState,
} from './validation/types.js';
