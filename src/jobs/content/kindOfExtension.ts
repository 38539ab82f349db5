/**
 * What file name extensions usually mean: a MIME type from `mime-types` (the `mime-db` registry), with the
 * {@link ContentKind} and generic container that type has (`kindOfMime.ts`). The container is what lets
 * `sniffBytes` trust an extension only as far as the bytes allow: it refines a sniffed generic type to the
 * extension's type when both name the same container, and otherwise ignores it.
 *
 * `mime-db` is a web server's registry: it knows no source code languages beyond a few, no camera raw
 * formats, and takes `.ts` for an MPEG transport stream. {@link NAMES} says what a file index needs there;
 * its names are those the sniffers give the same files (shared-mime-info's), so a file sniffed and a file
 * named the same way agree.
 */
import { createRequire } from 'node:module';
import type { ContentKind } from './ContentKind.js';
import { type Container, containerOfMime, kindOfMime } from './kindOfMime.js';

export type { Container } from './kindOfMime.js';

/** What an extension means: its usual MIME type, kind and, when there is one, generic container. */
export interface ExtensionType {
  readonly mime: string;
  readonly kind: ContentKind;
  readonly container?: Container;
}

const TYPESCRIPT = 'text/x-typescript';
const SQLITE = 'application/vnd.sqlite3';
const CPP = 'text/x-c++';
const SHELL = 'text/x-shellscript';
const PE = 'application/vnd.microsoft.portable-executable';
const AIFF = 'audio/aiff';

/**
 * Extensions `mime-db` does not know or, for a file index, names otherwise: source code (`.ts` is
 * TypeScript here, `.rs` Rust), camera raw formats, databases, and the registered or shared-mime-info
 * names the sniffers give (`audio/flac`, `application/yaml`, `application/vnd.debian.binary-package`).
 * A row may give the kind where the type's own would not fit (`.ini` is configuration, `text/plain`).
 */
const NAMES: Readonly<Record<string, string | readonly [mime: string, kind: ContentKind]>> = {
  jfif: 'image/jpeg',
  ico: 'image/x-icon',
  cur: 'image/x-icon',
  hif: 'image/heif',
  cr2: 'image/x-canon-cr2',
  cr3: 'image/x-canon-cr3',
  nef: 'image/x-nikon-nef',
  nrw: 'image/x-nikon-nrw',
  arw: 'image/x-sony-arw',
  pef: 'image/x-pentax-pef',
  srw: 'image/x-samsung-srw',
  orf: 'image/x-olympus-orf',
  rw2: 'image/x-panasonic-rw2',
  raf: 'image/x-fujifilm-raf',
  flac: 'audio/flac',
  aif: AIFF,
  aiff: AIFF,
  aifc: AIFF,
  tgz: 'application/gzip',
  zst: 'application/zstd',
  lz4: 'application/x-lz4',
  deb: 'application/vnd.debian.binary-package',
  rpm: 'application/x-rpm',
  rst: 'text/x-rst',
  tex: 'text/x-tex',
  jsonc: 'application/json',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  ini: ['text/plain', 'code'],
  cjs: 'text/javascript',
  ts: TYPESCRIPT,
  mts: TYPESCRIPT,
  cts: TYPESCRIPT,
  tsx: TYPESCRIPT,
  py: 'text/x-python',
  rb: 'text/x-ruby',
  rs: 'text/x-rust',
  go: 'text/x-go',
  cc: CPP,
  cpp: CPP,
  cxx: CPP,
  hpp: CPP,
  java: 'text/x-java',
  kt: 'text/x-kotlin',
  swift: 'text/x-swift',
  cs: 'text/x-csharp',
  php: 'text/x-php',
  pl: 'text/x-perl',
  sh: SHELL,
  bash: SHELL,
  zsh: SHELL,
  diff: 'text/x-diff',
  patch: 'text/x-diff',
  exe: PE,
  dll: PE,
  so: 'application/x-sharedlib',
  o: 'application/x-object',
  dylib: 'application/x-mach-binary',
  msi: 'application/x-msi',
  sqlite: SQLITE,
  sqlite3: SQLITE,
  db: SQLITE,
  mdb: 'application/x-msaccess',
  accdb: 'application/x-msaccess',
};

/** `ext` without a leading dot, in lower case: `'.JPG'` and `'jpg'` both give `'jpg'`. */
export function normalizeExtension(ext: string | null | undefined): string {
  if (!ext) return '';
  return (ext.startsWith('.') ? ext.slice(1) : ext).toLowerCase();
}

/**
 * `mime-types`, loaded at the first lookup: it reads and indexes the whole `mime-db` registry (30–60 ms), which
 * a shallow index or any command that never asks what an extension means should not pay at start-up.
 */
let mimeTypes: { lookup(key: string): string | false } | undefined;
function mimeLookup(key: string): string | false {
  mimeTypes ??= createRequire(import.meta.url)('mime-types') as { lookup(key: string): string | false };
  return mimeTypes.lookup(key);
}

/** Extensions looked up so far (a directory tree has few distinct ones, and lookups are per file). */
const known = new Map<string, ExtensionType | undefined>();

function lookUp(key: string): ExtensionType | undefined {
  const row = Object.hasOwn(NAMES, key) ? NAMES[key] : undefined;
  const found = row ?? (key === '' ? false : mimeLookup(key));
  if (found === undefined || found === false) return undefined;
  const [mime, kind] = typeof found === 'string' ? [found, kindOfMime(found)] : found;
  const container = containerOfMime(mime);
  return container === undefined ? { mime, kind } : { mime, kind, container };
}

/** What `ext` (with or without its dot, any case) usually means, or `undefined` for an unknown extension. */
export function typeOfExtension(ext: string | null | undefined): ExtensionType | undefined {
  const key = normalizeExtension(ext);
  if (known.has(key)) return known.get(key);
  const type = lookUp(key);
  if (known.size < 10_000) known.set(key, type);
  return type;
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
