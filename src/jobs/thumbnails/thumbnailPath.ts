import path from 'node:path';

/** Name of the directory, inside the thumbnails directory, where files are written before their rename. */
export const TEMPORARY_DIRECTORY = '.tmp';

/** `<directory>/<first two hex of the content id>/<content id>`: where a content's thumbnails live. */
export function thumbnailDirectoryOf(directory: string, contentId: string): string {
  return path.join(directory, contentId.slice(0, 2), contentId);
}

/**
 * `<directory>/<first two hex>/<content id>/<variant>.webp`: the file of one thumbnail.
 *
 * @example
 * thumbnailPath('/home/me/.local/share/phasekit/thumbnails', '3fa2c0d19b7e4411', 'grid@1x');
 * // '/home/me/.local/share/phasekit/thumbnails/3f/3fa2c0d19b7e4411/grid@1x.webp'
 */
export function thumbnailPath(directory: string, contentId: string, variant: string): string {
  return path.join(thumbnailDirectoryOf(directory, contentId), `${variant}.webp`);
}
