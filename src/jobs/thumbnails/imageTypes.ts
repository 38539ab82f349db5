/** Extensions (lowercase, no dot) of the image formats the thumbnail job reads with sharp. */
export const THUMBNAIL_SOURCE_EXTENSIONS: ReadonlySet<string> = new Set([
  'jpg',
  'jpeg',
  'jpe',
  'jfif',
  'png',
  'webp',
  'gif',
  'tif',
  'tiff',
  'avif',
  'heic',
  'heif',
]);

/** MIME types (as the deep index sniffs them) of the same formats. */
export const THUMBNAIL_SOURCE_MIMES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/tiff',
  'image/avif',
  'image/heic',
  'image/heif',
]);

/** Whether an entry is an image the job should try: by its sniffed MIME type when known, else its extension. */
export function isThumbnailSource(extension: string | null, mime: string | null): boolean {
  if (mime !== null) return THUMBNAIL_SOURCE_MIMES.has(mime);
  return extension !== null && THUMBNAIL_SOURCE_EXTENSIONS.has(extension.toLowerCase());
}
