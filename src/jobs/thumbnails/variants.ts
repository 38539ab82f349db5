import type { ThumbnailVariant } from './types.js';
import { ThumbnailVariantError } from './ThumbnailVariantError.js';

/** The preset variants: name → longest side and WebP quality. */
export const THUMBNAIL_PRESETS: Readonly<Record<string, ThumbnailVariant>> = Object.freeze({
  'icon@1x': { name: 'icon@1x', size: 128, quality: 80 },
  'icon@2x': { name: 'icon@2x', size: 256, quality: 80 },
  'grid@1x': { name: 'grid@1x', size: 256, quality: 85 },
  'grid@2x': { name: 'grid@2x', size: 512, quality: 85 },
  'detail@1x': { name: 'detail@1x', size: 1024, quality: 90 },
  'detail@2x': { name: 'detail@2x', size: 2048, quality: 90 },
});

/** The variants made when none are asked for. */
export const DEFAULT_THUMBNAIL_VARIANTS: readonly string[] = ['grid@1x', 'grid@2x', 'detail@1x'];

const NAME = /^[a-z0-9@._-]{1,64}$/i;
const WHOLE = /^\d+$/;

/**
 * Resolve variants given as preset names, `name:size:quality` strings or objects into checked variant
 * objects, in the order given.
 *
 * @example
 * resolveVariants(['grid@1x', 'poster:800:75']);
 * // [{ name: 'grid@1x', size: 256, quality: 85 }, { name: 'poster', size: 800, quality: 75 }]
 * @throws {ThumbnailVariantError} for an unknown preset, a malformed string, a size outside 1–4096, a quality
 *   outside 1–100, a name unfit for a file name, or the same name twice.
 */
export function resolveVariants(
  variants: readonly (string | ThumbnailVariant)[] = DEFAULT_THUMBNAIL_VARIANTS,
): ThumbnailVariant[] {
  if (variants.length === 0) throw new ThumbnailVariantError('', 'give at least one variant.');
  const out: ThumbnailVariant[] = [];
  for (const given of variants) {
    const variant =
      typeof given === 'string' ? parseVariant(given) : checkVariant(given, JSON.stringify(given));
    if (out.some((v) => v.name === variant.name)) {
      throw new ThumbnailVariantError(variant.name, 'the same name twice; give each variant once.');
    }
    out.push(variant);
  }
  return out;
}

/** Parse `grid@1x` (a preset) or `name:size:quality`. */
export function parseVariant(text: string): ThumbnailVariant {
  const spec = text.trim();
  if (!spec.includes(':')) {
    const preset = THUMBNAIL_PRESETS[spec];
    if (preset === undefined) {
      throw new ThumbnailVariantError(
        text,
        `no such preset; use one of ${Object.keys(THUMBNAIL_PRESETS).join(', ')} or name:size:quality.`,
      );
    }
    return preset;
  }
  const parts = spec.split(':');
  if (parts.length !== 3 || !WHOLE.test(parts[1]) || !WHOLE.test(parts[2])) {
    throw new ThumbnailVariantError(text, 'write a custom variant as name:size:quality, e.g. poster:800:75.');
  }
  return checkVariant({ name: parts[0], size: Number(parts[1]), quality: Number(parts[2]) }, text);
}

function checkVariant(variant: ThumbnailVariant, text: string): ThumbnailVariant {
  const { name, size, quality } = variant;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new ThumbnailVariantError(
      text,
      'the name must be 1–64 letters, digits or @ . _ - (it names a file).',
    );
  }
  if (!Number.isInteger(size) || size < 1 || size > 4096) {
    throw new ThumbnailVariantError(
      text,
      `size ${size} is out of range; use a whole number of pixels, 1–4096.`,
    );
  }
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new ThumbnailVariantError(text, `quality ${quality} is out of range; use a whole number, 1–100.`);
  }
  return { name, size, quality };
}
