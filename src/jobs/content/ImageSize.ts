/** An image's stored size and Exif orientation, read from its headers without decoding pixels. */
export interface ImageInfo {
  /** Width in pixels as stored, before any rotation the orientation asks for. */
  readonly width: number;
  /** Height in pixels as stored, before any rotation the orientation asks for. */
  readonly height: number;
  /**
   * The Exif orientation, 1 to 8 (1 upright; 5 to 8 turn the image a quarter, so it shows `height` pixels
   * wide), or `null` when the file has none.
   */
  readonly orientation: number | null;
}
