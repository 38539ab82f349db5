import { migration001 } from './migrations/001_initial.js';
import { migration002 } from './migrations/002_image_contents_by_size.js';
import { migration003 } from './migrations/003_file_hashes_and_validation.js';
import { migration004 } from './migrations/004_job_plans.js';
import { migration005 } from './migrations/005_job_lists.js';
import { migration006 } from './migrations/006_deferred_indexes.js';
import type { LibraryMigration } from './types.js';

/**
 * The library schema as numbered migrations, in order: entry `i` has version `i + 1`. Append only: a released
 * migration has run on libraries in the field, so it is never edited or reordered; add a file
 * `migrations/00N_what.ts` and list it here.
 */
export const LIBRARY_MIGRATIONS: readonly LibraryMigration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
];

/** The schema version this code writes: the last migration's. */
export const LIBRARY_SCHEMA_VERSION: number = LIBRARY_MIGRATIONS.length;
