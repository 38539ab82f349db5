/**
 * An image the thumbnail job could not read or decode (corrupt, truncated, or a format this sharp build does
 * not read). Recorded as a non-fatal error: the job goes on with the other images.
 */
export class ThumbnailSourceError extends Error {
  override readonly name = 'ThumbnailSourceError';
  /** The image file. */
  readonly path: string;
  /** Why, in the decoder's words. */
  readonly reason: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(
      `Cannot make thumbnails of ${path}: ${reason}. Check that the file is a whole, supported image.`,
      options,
    );
    this.path = path;
    this.reason = reason;
  }
}
