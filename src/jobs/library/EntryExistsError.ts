/**
 * An insert named an entry the library already records: same location, same parent, same name bytes (or a
 * second root for a location, or an id already taken). Nothing of the failing statement was written; the
 * caller's transaction decides about the rest of the batch.
 *
 * What to do: change the recorded entry with `updateEntries`, or delete it first; a job that sees this after
 * a resume is inserting a batch twice, which its checkpoint should prevent.
 */
export class EntryExistsError extends Error {
  override readonly name = 'EntryExistsError';
  readonly locationId: number;
  readonly parentId: number;
  /** The raw name bytes of the entry that was inserted. */
  readonly entryName: Buffer;

  constructor(locationId: number, parentId: number, entryName: Uint8Array, cause: unknown) {
    const shown = Buffer.from(entryName).toString('utf8');
    super(
      `The library already has an entry "${shown}" under parent ${parentId} in location ${locationId} (or ` +
        'its id is taken). Update the existing entry with updateEntries, or delete it before inserting.',
      { cause },
    );
    this.locationId = locationId;
    this.parentId = parentId;
    this.entryName = Buffer.from(entryName);
  }
}
