import type { Library } from '../library/Library.js';

/** One thumbnail variant: a name, the size of the longest side in pixels and the WebP quality. */
export interface ThumbnailVariant {
  /** `[a-z0-9@._-]`, 1–64 characters: it becomes a file name (`<name>.webp`). */
  readonly name: string;
  /** Longest side, 1–4096 px. Images smaller than this are never upscaled. */
  readonly size: number;
  /** WebP quality, 1–100. */
  readonly quality: number;
}

/** What the thumbnail job is asked to do. Kept in every checkpoint: a resumed job does the same. */
export interface ThumbnailsInput {
  /**
   * Only images with an entry in this location (its id, or its path as given to the indexer). Default: every
   * location of the library.
   */
  readonly location?: number | string;
  /**
   * Variants to make: preset names (`grid@1x`, see {@link THUMBNAIL_PRESETS}), `name:size:quality` strings or
   * variant objects. Default `grid@1x, grid@2x, detail@1x`.
   */
  readonly variants?: readonly (string | ThumbnailVariant)[];
  /** Make the thumbnails again even where they exist. */
  readonly regenerate?: boolean;
  /** Images decoded and encoded at once. Default: {@link defaultThumbnailConcurrency}. */
  readonly concurrency?: number;
  /** Images per batch: their records commit with one checkpoint. Default 32. */
  readonly batchSize?: number;
}

/** What the thumbnail job needs from the app. */
export interface ThumbnailsDeps {
  readonly library: Library;
  /**
   * Where thumbnails are stored. Default `<directory of the library file>/thumbnails`; required for an
   * in-memory library.
   */
  readonly directory?: string;
}

/** A thumbnail as recorded in the library: `bytes` is the size of its file. */
export interface ThumbnailRecord {
  readonly contentId: string;
  readonly variant: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
}

/** The keyset cursor of the walk over image contents, largest first. */
export interface ImageCursor {
  readonly size: number;
  readonly contentId: string;
}

/** Counts the job reports. */
export interface ThumbnailsCounts {
  /** Distinct image contents (content ids) whose thumbnails were made. */
  images: number;
  /** Thumbnail files written. */
  thumbnails: number;
  /** Bytes of the thumbnail files written. */
  bytes: number;
  /** Image contents skipped because all their thumbnails existed. */
  skipped: number;
  /** Images that could not be read or decoded (each also a non-fatal error). */
  failed: number;
  /** Content ids whose thumbnails were removed by cleanup (no entry has them any more). */
  removed: number;
  /** Stale temporary files of killed runs removed. */
  temporaryRemoved: number;
}

/** The thumbnail job's state, saved in every checkpoint. */
export interface ThumbnailsState {
  /** The variants, resolved once in discovery: a resumed job makes exactly these. */
  variants: ThumbnailVariant[];
  /** The thumbnails directory, resolved in discovery. */
  directory: string;
  /** The location's id, or `null` for every location. */
  locationId: number | null;
  /** Image contents to make thumbnails for, counted in discovery. */
  total: number;
  /** Last image content done (processing walks by size descending, then content id); `null` before the first. */
  cursor: ImageCursor | null;
  counts: ThumbnailsCounts;
}

/** What the thumbnail job returns. */
export interface ThumbnailsOutput extends ThumbnailsCounts {
  readonly directory: string;
  readonly variants: readonly ThumbnailVariant[];
  readonly locationId: number | null;
}
