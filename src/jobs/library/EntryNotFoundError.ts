/**
 * No entry has this id in the library: it was never recorded, or a later index deleted it.
 *
 * What to do: look the file up again (by location, parent and name), or re-index its location.
 */
export class EntryNotFoundError extends Error {
  override readonly name = 'EntryNotFoundError';
  readonly entryId: number;

  constructor(entryId: number) {
    super(`The library has no entry ${entryId}: it was deleted or never recorded. Re-index its location.`);
    this.entryId = entryId;
  }
}
