import type { LibraryMigration } from '../types.js';

/**
 * Schema 2: an index of image content identities, largest first, for the thumbnail job.
 *
 * Released: never edit; change the schema with a new numbered migration.
 *
 * The thumbnail job walks image contents largest first with a keyset cursor `(size, content_id)` kept in
 * its checkpoint; this partial index makes every page of that walk a range scan instead of a sort of all
 * image identities (which, page after page, would make the job quadratic in the number of images).
 */
export const migration002: LibraryMigration = {
  version: 2,
  name: 'image contents by size',
  sql: `
CREATE INDEX content_identities_images_by_size ON content_identities (size DESC, content_id) WHERE kind = 'image';
`,
};
