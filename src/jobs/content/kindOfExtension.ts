/**
 * What file name extensions usually mean: a MIME type, a {@link ContentKind} and, for formats that live inside
 * a generic container (a `.docx` is a zip, a `.m4a` an MPEG-4 file, a `.json` text), that container. The
 * container is what lets `sniffBytes` trust an extension only as far as the bytes allow: it refines a
 * sniffed generic type to the extension's type when both name the same container, and otherwise ignores it.
 */
import type { ContentKind } from './ContentKind.js';

/**
 * A generic format that several more specific ones share, as far as the first bytes can tell: `text` is
 * any UTF-8 text, `isobmff` any MPEG-4 / QuickTime file without a telling brand, `ebml` Matroska, `ole` an
 * OLE2 compound file (legacy Office, MSI), `asf` Windows Media, `ar` a Unix `ar` archive.
 */
export type Container = 'text' | 'zip' | 'ole' | 'tiff' | 'isobmff' | 'ebml' | 'ogg' | 'asf' | 'ar';

/** What an extension means: its usual MIME type, kind and, when there is one, generic container. */
export interface ExtensionType {
  readonly mime: string;
  readonly kind: ContentKind;
  readonly container?: Container;
}

type Row = readonly [mime: string, kind: ContentKind, container?: Container];

const TYPESCRIPT: Row = ['text/x-typescript', 'code', 'text'];
const JAVASCRIPT: Row = ['text/javascript', 'code', 'text'];
const SQLITE: Row = ['application/vnd.sqlite3', 'database'];

const EXTENSIONS: Readonly<Record<string, Row>> = {
  // Images
  jpg: ['image/jpeg', 'image'],
  jpeg: ['image/jpeg', 'image'],
  jpe: ['image/jpeg', 'image'],
  jfif: ['image/jpeg', 'image'],
  png: ['image/png', 'image'],
  apng: ['image/apng', 'image'],
  gif: ['image/gif', 'image'],
  webp: ['image/webp', 'image'],
  bmp: ['image/bmp', 'image'],
  dib: ['image/bmp', 'image'],
  tif: ['image/tiff', 'image', 'tiff'],
  tiff: ['image/tiff', 'image', 'tiff'],
  ico: ['image/x-icon', 'image'],
  cur: ['image/x-icon', 'image'],
  heic: ['image/heic', 'image'],
  heif: ['image/heif', 'image'],
  hif: ['image/heif', 'image'],
  avif: ['image/avif', 'image'],
  svg: ['image/svg+xml', 'image', 'text'],
  psd: ['image/vnd.adobe.photoshop', 'image'],
  jxl: ['image/jxl', 'image'],
  jp2: ['image/jp2', 'image'],
  dng: ['image/x-adobe-dng', 'image', 'tiff'],
  cr2: ['image/x-canon-cr2', 'image', 'tiff'],
  cr3: ['image/x-canon-cr3', 'image', 'isobmff'],
  nef: ['image/x-nikon-nef', 'image', 'tiff'],
  nrw: ['image/x-nikon-nrw', 'image', 'tiff'],
  arw: ['image/x-sony-arw', 'image', 'tiff'],
  pef: ['image/x-pentax-pef', 'image', 'tiff'],
  srw: ['image/x-samsung-srw', 'image', 'tiff'],
  orf: ['image/x-olympus-orf', 'image'],
  rw2: ['image/x-panasonic-rw2', 'image'],
  raf: ['image/x-fujifilm-raf', 'image'],
  // Video
  mp4: ['video/mp4', 'video', 'isobmff'],
  m4v: ['video/x-m4v', 'video', 'isobmff'],
  mov: ['video/quicktime', 'video', 'isobmff'],
  qt: ['video/quicktime', 'video', 'isobmff'],
  '3gp': ['video/3gpp', 'video', 'isobmff'],
  '3g2': ['video/3gpp2', 'video', 'isobmff'],
  // No container for these two: the EBML DocType already tells them apart, and only audio needs the name.
  mkv: ['video/x-matroska', 'video'],
  webm: ['video/webm', 'video'],
  avi: ['video/x-msvideo', 'video'],
  wmv: ['video/x-ms-wmv', 'video', 'asf'],
  asf: ['video/x-ms-asf', 'video', 'asf'],
  flv: ['video/x-flv', 'video'],
  mpg: ['video/mpeg', 'video'],
  mpeg: ['video/mpeg', 'video'],
  m2ts: ['video/mp2t', 'video'],
  ogv: ['video/ogg', 'video', 'ogg'],
  // Audio
  mp3: ['audio/mpeg', 'audio'],
  m4a: ['audio/mp4', 'audio', 'isobmff'],
  m4b: ['audio/mp4', 'audio', 'isobmff'],
  aac: ['audio/aac', 'audio'],
  wav: ['audio/wav', 'audio'],
  flac: ['audio/flac', 'audio'],
  ogg: ['audio/ogg', 'audio', 'ogg'],
  oga: ['audio/ogg', 'audio', 'ogg'],
  opus: ['audio/ogg', 'audio', 'ogg'],
  wma: ['audio/x-ms-wma', 'audio', 'asf'],
  aif: ['audio/aiff', 'audio'],
  aiff: ['audio/aiff', 'audio'],
  aifc: ['audio/aiff', 'audio'],
  mid: ['audio/midi', 'audio'],
  midi: ['audio/midi', 'audio'],
  mka: ['audio/x-matroska', 'audio', 'ebml'],
  weba: ['audio/webm', 'audio', 'ebml'],
  // Documents
  pdf: ['application/pdf', 'document'],
  doc: ['application/msword', 'document', 'ole'],
  xls: ['application/vnd.ms-excel', 'document', 'ole'],
  ppt: ['application/vnd.ms-powerpoint', 'document', 'ole'],
  docx: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'document', 'zip'],
  xlsx: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'document', 'zip'],
  pptx: ['application/vnd.openxmlformats-officedocument.presentationml.presentation', 'document', 'zip'],
  odt: ['application/vnd.oasis.opendocument.text', 'document', 'zip'],
  ods: ['application/vnd.oasis.opendocument.spreadsheet', 'document', 'zip'],
  odp: ['application/vnd.oasis.opendocument.presentation', 'document', 'zip'],
  epub: ['application/epub+zip', 'document', 'zip'],
  rtf: ['application/rtf', 'document'],
  ps: ['application/postscript', 'document'],
  eps: ['application/postscript', 'document'],
  // Archives
  zip: ['application/zip', 'archive', 'zip'],
  gz: ['application/gzip', 'archive'],
  tgz: ['application/gzip', 'archive'],
  bz2: ['application/x-bzip2', 'archive'],
  xz: ['application/x-xz', 'archive'],
  zst: ['application/zstd', 'archive'],
  lz4: ['application/x-lz4', 'archive'],
  '7z': ['application/x-7z-compressed', 'archive'],
  rar: ['application/vnd.rar', 'archive'],
  tar: ['application/x-tar', 'archive'],
  cab: ['application/vnd.ms-cab-compressed', 'archive'],
  deb: ['application/vnd.debian.binary-package', 'archive', 'ar'],
  rpm: ['application/x-rpm', 'archive'],
  iso: ['application/x-iso9660-image', 'archive'],
  // Text
  txt: ['text/plain', 'text', 'text'],
  text: ['text/plain', 'text', 'text'],
  log: ['text/plain', 'text', 'text'],
  md: ['text/markdown', 'text', 'text'],
  markdown: ['text/markdown', 'text', 'text'],
  rst: ['text/x-rst', 'text', 'text'],
  csv: ['text/csv', 'text', 'text'],
  tsv: ['text/tab-separated-values', 'text', 'text'],
  vtt: ['text/vtt', 'text', 'text'],
  srt: ['application/x-subrip', 'text', 'text'],
  tex: ['text/x-tex', 'text', 'text'],
  // Code, markup and configuration
  json: ['application/json', 'code', 'text'],
  jsonc: ['application/json', 'code', 'text'],
  ipynb: ['application/x-ipynb+json', 'code', 'text'],
  yaml: ['application/yaml', 'code', 'text'],
  yml: ['application/yaml', 'code', 'text'],
  toml: ['application/toml', 'code', 'text'],
  ini: ['text/plain', 'code', 'text'],
  xml: ['application/xml', 'code', 'text'],
  html: ['text/html', 'code', 'text'],
  htm: ['text/html', 'code', 'text'],
  css: ['text/css', 'code', 'text'],
  js: JAVASCRIPT,
  mjs: JAVASCRIPT,
  cjs: JAVASCRIPT,
  jsx: ['text/jsx', 'code', 'text'],
  // `.ts` and `.mts` are also MPEG transport streams; those are binary, so the bytes never reach this row.
  ts: TYPESCRIPT,
  mts: TYPESCRIPT,
  cts: TYPESCRIPT,
  tsx: TYPESCRIPT,
  py: ['text/x-python', 'code', 'text'],
  rb: ['text/x-ruby', 'code', 'text'],
  rs: ['text/x-rust', 'code', 'text'],
  go: ['text/x-go', 'code', 'text'],
  c: ['text/x-c', 'code', 'text'],
  h: ['text/x-c', 'code', 'text'],
  cc: ['text/x-c++', 'code', 'text'],
  cpp: ['text/x-c++', 'code', 'text'],
  cxx: ['text/x-c++', 'code', 'text'],
  hpp: ['text/x-c++', 'code', 'text'],
  java: ['text/x-java', 'code', 'text'],
  kt: ['text/x-kotlin', 'code', 'text'],
  swift: ['text/x-swift', 'code', 'text'],
  cs: ['text/x-csharp', 'code', 'text'],
  php: ['text/x-php', 'code', 'text'],
  pl: ['text/x-perl', 'code', 'text'],
  lua: ['text/x-lua', 'code', 'text'],
  sh: ['text/x-shellscript', 'code', 'text'],
  bash: ['text/x-shellscript', 'code', 'text'],
  zsh: ['text/x-shellscript', 'code', 'text'],
  sql: ['application/sql', 'code', 'text'],
  diff: ['text/x-diff', 'code', 'text'],
  patch: ['text/x-diff', 'code', 'text'],
  // Executables
  exe: ['application/vnd.microsoft.portable-executable', 'executable'],
  dll: ['application/vnd.microsoft.portable-executable', 'executable'],
  so: ['application/x-sharedlib', 'executable'],
  o: ['application/x-object', 'executable'],
  dylib: ['application/x-mach-binary', 'executable'],
  wasm: ['application/wasm', 'executable'],
  class: ['application/java-vm', 'executable'],
  jar: ['application/java-archive', 'executable', 'zip'],
  apk: ['application/vnd.android.package-archive', 'executable', 'zip'],
  msi: ['application/x-msi', 'executable', 'ole'],
  // Databases
  sqlite: SQLITE,
  sqlite3: SQLITE,
  db: SQLITE,
  mdb: ['application/x-msaccess', 'database'],
  accdb: ['application/x-msaccess', 'database'],
};

/** `ext` without a leading dot, in lower case: `'.JPG'` and `'jpg'` both give `'jpg'`. */
export function normalizeExtension(ext: string | null | undefined): string {
  if (!ext) return '';
  return (ext.startsWith('.') ? ext.slice(1) : ext).toLowerCase();
}

/** What `ext` (with or without its dot, any case) usually means, or `undefined` for an unknown extension. */
export function typeOfExtension(ext: string | null | undefined): ExtensionType | undefined {
  const key = normalizeExtension(ext);
  const row = Object.hasOwn(EXTENSIONS, key) ? EXTENSIONS[key] : undefined;
  if (row === undefined) return undefined;
  const [mime, kind, container] = row;
  return container === undefined ? { mime, kind } : { mime, kind, container };
}

/**
 * The kind of file an extension usually names, for when the bytes are not read (shallow and content
 * indexes): `'image'` for `jpg`, `'code'` for `.ts`, `'unknown'` for an extension it does not know or none.
 * The bytes can disagree; `sniffBytes` is what deep mode trusts.
 *
 * @example
 * ```ts
 * kindOfExtension('JPG'); // 'image'
 * kindOfExtension('.md'); // 'text'
 * kindOfExtension(null); // 'unknown'
 * ```
 */
export function kindOfExtension(ext: string | null | undefined): ContentKind {
  return typeOfExtension(ext)?.kind ?? 'unknown';
}
