/**
 * The {@link ContentKind} of a MIME type, and the generic container it lives in (for `sniffBytes`'s
 * extension refinement): one place for both, whether the type came from the bytes (`file-type`) or from a
 * name (`mime-types`).
 */
import type { ContentKind } from './ContentKind.js';

/**
 * A generic format that several more specific ones share, as far as the first bytes can tell: `text` is
 * any UTF-8 text, `isobmff` any MPEG-4 / QuickTime file without a telling brand, `ebml` Matroska, `ole` an
 * OLE2 compound file (legacy Office, MSI), `asf` Windows Media, `ar` a Unix `ar` archive.
 */
export type Container = 'text' | 'zip' | 'ole' | 'tiff' | 'isobmff' | 'ebml' | 'ogg' | 'asf' | 'ar';

const DOCUMENTS = new Set([
  'application/pdf',
  'application/postscript',
  'application/eps',
  'application/rtf',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/epub+zip',
  'application/x-mobipocket-ebook',
  'application/vnd.visio',
  'application/vnd.ms-outlook',
  'application/x-indesign',
]);

const ARCHIVES = new Set([
  'application/zip',
  'application/gzip',
  'application/x-bzip2',
  'application/x-xz',
  'application/zstd',
  'application/x-lz4',
  'application/x-lzip',
  'application/x-compress',
  'application/x-7z-compressed',
  'application/vnd.rar',
  'application/x-tar',
  'application/vnd.ms-cab-compressed',
  'application/x-archive',
  'application/vnd.debian.binary-package',
  'application/x-rpm',
  'application/x-iso9660-image',
  'application/x-apple-diskimage',
  'application/x-lzh-compressed',
  'application/x-arj',
  'application/x-cpio',
  'application/x-ace-compressed',
  'application/x-asar',
]);

const EXECUTABLES = new Set([
  'application/x-executable',
  'application/x-sharedlib',
  'application/x-object',
  'application/x-elf',
  'application/x-mach-binary',
  'application/vnd.microsoft.portable-executable',
  'application/wasm',
  'application/java-vm',
  'application/java-archive',
  'application/vnd.android.package-archive',
  'application/x-msi',
]);

const DATABASES = new Set(['application/vnd.sqlite3', 'application/x-msaccess']);

/** Text types that are prose or tables; every other text type is `code` (markup, configuration, source). */
const PROSE = new Set([
  'text/plain',
  'text/markdown',
  'text/x-rst',
  'text/csv',
  'text/tab-separated-values',
  'text/vtt',
  'application/x-subrip',
  'text/x-tex',
  'text/calendar',
  'text/vcard',
  'text/x-vcard',
]);

/** Non-`text/` types that are code, markup or configuration. */
const CODE =
  /^application\/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|yaml|toml|sql|javascript|x-sh|x-httpd-php)$/;

/**
 * The kind of a MIME type (parameters ignored): images, video and audio by their family, text as prose or
 * code, then documents, archives, executables and databases by name; `unknown` otherwise.
 *
 * @example
 * ```ts
 * kindOfMime('image/heic'); // 'image'
 * kindOfMime('application/vnd.oasis.opendocument.text'); // 'document'
 * kindOfMime('text/x-python'); // 'code'
 * ```
 */
export function kindOfMime(mime: string): ContentKind {
  const type = mime.split(';')[0].trim().toLowerCase();
  const family = type.slice(0, type.indexOf('/'));
  if (family === 'image' || family === 'video' || family === 'audio') return family;
  if (PROSE.has(type)) return 'text';
  if (family === 'text' || CODE.test(type)) return 'code';
  if (DOCUMENTS.has(type) || /opendocument|openxmlformats|ms-(word|excel|powerpoint)/.test(type)) {
    return 'document';
  }
  if (ARCHIVES.has(type)) return 'archive';
  if (EXECUTABLES.has(type)) return 'executable';
  if (DATABASES.has(type)) return 'database';
  return 'unknown';
}

const CONTAINERS: Readonly<Record<string, Container>> = {
  'application/zip': 'zip',
  'application/epub+zip': 'zip',
  'application/java-archive': 'zip',
  'application/vnd.android.package-archive': 'zip',
  'application/x-ole-storage': 'ole',
  'application/msword': 'ole',
  'application/vnd.ms-excel': 'ole',
  'application/vnd.ms-powerpoint': 'ole',
  'application/x-msi': 'ole',
  'image/tiff': 'tiff',
  'image/x-adobe-dng': 'tiff',
  'image/x-canon-cr2': 'tiff',
  'image/x-nikon-nef': 'tiff',
  'image/x-nikon-nrw': 'tiff',
  'image/x-sony-arw': 'tiff',
  'image/x-pentax-pef': 'tiff',
  'image/x-samsung-srw': 'tiff',
  'video/mp4': 'isobmff',
  'video/x-m4v': 'isobmff',
  'video/quicktime': 'isobmff',
  'video/3gpp': 'isobmff',
  'video/3gpp2': 'isobmff',
  'audio/mp4': 'isobmff',
  'image/x-canon-cr3': 'isobmff',
  'audio/x-matroska': 'ebml',
  'audio/webm': 'ebml',
  'application/ogg': 'ogg',
  'video/ogg': 'ogg',
  'audio/ogg': 'ogg',
  'video/x-ms-asf': 'asf',
  'video/x-ms-wmv': 'asf',
  'audio/x-ms-wma': 'asf',
  'application/x-archive': 'ar',
  'application/vnd.debian.binary-package': 'ar',
};

/**
 * The generic container a file named as being of type `mime` lives in, so that bytes showing only that
 * container may be taken for `mime`: `zip` for `.docx`, `isobmff` for `.m4a`, `text` for any text type.
 * Matroska and WebM video have none: their EBML DocType already tells them apart.
 */
export function containerOfMime(mime: string): Container | undefined {
  if (Object.hasOwn(CONTAINERS, mime)) return CONTAINERS[mime];
  if (/openxmlformats|opendocument/.test(mime)) return 'zip';
  const kind = kindOfMime(mime);
  return kind === 'text' || kind === 'code' || mime === 'image/svg+xml' ? 'text' : undefined;
}
