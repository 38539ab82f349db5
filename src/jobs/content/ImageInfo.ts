/** An image's stored size and Exif orientation, read from its headers without decoding pixels. */
export interface ImageInfo {
  /** Width in pixels as stored, before any rotation the orientation asks for. */
  readonly width: number;
  /** Height in pixels as stored, before any rotation the orientation asks for. */
  readonly height: number;
  /**
   * The Exif orientation, 1 to 8 (1 upright; 6 and 8 mean the image is shown rotated by a quarter turn, so
   * its displayed width is `height`), or `null` when the file has none.
   */
  readonly orientation: number | null;
}
