/**
 * The thumbnail job cannot start: the location it was given is not in the library, or there is nowhere to
 * store thumbnails. The message says what to do.
 */
export class ThumbnailsSetupError extends Error {
  override readonly name = 'ThumbnailsSetupError';
}
