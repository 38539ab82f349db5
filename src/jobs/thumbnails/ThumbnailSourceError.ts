/**
 * An image the thumbnail job could not read or decode (corrupt, truncated, or a format this sharp build does
 * not read). Recorded as a non-fatal error: the job goes on with the other images.
 */
export class ThumbnailSourceError extends Error {
  override readonly name: string = 'ThumbnailSourceError';
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

/**
 * An image that changed since its location was indexed (written, replaced, another file at its name): its
 * recorded content id no longer names its bytes, so no thumbnail is made under it. A non-fatal error like
 * {@link ThumbnailSourceError}. What to do: index the location again (`phasekit index DIR --mode deep`), then
 * make the thumbnails.
 */
export class ThumbnailSourceChangedError extends ThumbnailSourceError {
  override readonly name: string = 'ThumbnailSourceChangedError';

  constructor(path: string, what: string) {
    super(path, `it changed since it was indexed (${what})`);
    this.message = `Cannot make thumbnails of ${path}: it changed since it was indexed (${what}), so its recorded content id is not its own. Index its location again (phasekit index DIR --mode deep), then make the thumbnails.`;
  }
}
