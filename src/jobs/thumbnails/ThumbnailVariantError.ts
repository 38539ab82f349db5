/** A thumbnail variant that cannot be made: an unknown preset name, or a size or quality out of range. */
export class ThumbnailVariantError extends Error {
  override readonly name = 'ThumbnailVariantError';
  /** The variant as it was given. */
  readonly variant: string;

  constructor(variant: string, reason: string) {
    super(`Bad thumbnail variant "${variant}": ${reason}`);
    this.variant = variant;
  }
}
