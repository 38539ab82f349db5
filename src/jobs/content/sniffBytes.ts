/**
 * MIME types from magic numbers: what the first bytes of a file say it is, with the extension consulted
 * only where the bytes leave a choice (see {@link sniffBytes}). Pure and synchronous; `sniff.ts` reads the
 * bytes.
 */
import { audioStreamType } from './audioStreamType.js';
import { hasAt, indexOf, latin1, u8, u16, u32 } from './byteReads.js';
import type { ContentKind } from './ContentKind.js';
import { isBmp, isIco } from './imageInfo.js';
import { type Container, typeOfExtension } from './kindOfExtension.js';
import { sniffText } from './sniffText.js';

/** A MIME type and the kind of content it is. */
export interface SniffedType {
  readonly mime: string;
  readonly kind: ContentKind;
}

/** A sniffed type; `container` is set when the bytes show only a generic container an extension may refine. */
interface Sniffed extends SniffedType {
  readonly container?: Container;
}

const type = (mime: string, kind: ContentKind, container?: Container): Sniffed =>
  container === undefined ? { mime, kind } : { mime, kind, container };

/** Signatures at fixed offsets that settle the type on their own. */
const SIGNATURES: readonly (readonly [at: number, signature: string | readonly number[], Sniffed])[] = [
  [0, '\x89PNG\r\n\x1a\n', type('image/png', 'image')],
  [0, 'GIF87a', type('image/gif', 'image')],
  [0, 'GIF89a', type('image/gif', 'image')],
  [0, [0xff, 0xd8, 0xff], type('image/jpeg', 'image')],
  [0, '8BPS\0\x01', type('image/vnd.adobe.photoshop', 'image')],
  [0, [0xff, 0x0a], type('image/jxl', 'image')],
  [0, '\0\0\0\x0cJXL \r\n\x87\n', type('image/jxl', 'image')],
  [0, '\0\0\0\x0cjP  \r\n\x87\n', type('image/jp2', 'image')],
  [0, 'IIRO\x08\0\0\0', type('image/x-olympus-orf', 'image')],
  [0, 'IIU\0\x18\0\0\0', type('image/x-panasonic-rw2', 'image')],
  [0, 'FUJIFILMCCD-RAW', type('image/x-fujifilm-raf', 'image')],
  [0, '%PDF-', type('application/pdf', 'document')],
  [0, '%!PS', type('application/postscript', 'document')],
  [0, '{\\rtf', type('application/rtf', 'document')],
  [0, [0x1f, 0x8b, 0x08], type('application/gzip', 'archive')],
  [0, '\xfd7zXZ\0', type('application/x-xz', 'archive')],
  [0, [0x28, 0xb5, 0x2f, 0xfd], type('application/zstd', 'archive')],
  [0, [0x04, 0x22, 0x4d, 0x18], type('application/x-lz4', 'archive')],
  [0, "7z\xbc\xaf'\x1c", type('application/x-7z-compressed', 'archive')],
  [0, 'Rar!\x1a\x07\0', type('application/vnd.rar', 'archive')],
  [0, 'Rar!\x1a\x07\x01\0', type('application/vnd.rar', 'archive')],
  [0, 'MSCF\0\0\0\0', type('application/vnd.ms-cab-compressed', 'archive')],
  [0, '!<arch>\n', type('application/x-archive', 'archive', 'ar')],
  [0, [0xed, 0xab, 0xee, 0xdb], type('application/x-rpm', 'archive')],
  [257, 'ustar\0', type('application/x-tar', 'archive')],
  [257, 'ustar  \0', type('application/x-tar', 'archive')],
  // ISO 9660: the first volume descriptor, at sector 16, is a boot record or the primary descriptor.
  [32768, '\0CD001', type('application/x-iso9660-image', 'archive')],
  [32768, '\x01CD001', type('application/x-iso9660-image', 'archive')],
  [0, '\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1', type('application/x-ole-storage', 'unknown', 'ole')],
  [0, 'fLaC', type('audio/flac', 'audio')],
  [0, 'MThd\0\0\0\x06', type('audio/midi', 'audio')],
  [0, 'FLV\x01', type('video/x-flv', 'video')],
  [0, '0&\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\0\xaa\0\x62\xce\x6c', type('video/x-ms-asf', 'video', 'asf')],
  [0, '\0\0\x01\xba', type('video/mpeg', 'video')],
  [0, '\0\0\x01\xb3', type('video/mpeg', 'video')],
  [0, '\0asm\x01\0\0\0', type('application/wasm', 'executable')],
  [0, '\xfe\xed\xfa\xce', type('application/x-mach-binary', 'executable')],
  [0, '\xfe\xed\xfa\xcf', type('application/x-mach-binary', 'executable')],
  [0, '\xce\xfa\xed\xfe', type('application/x-mach-binary', 'executable')],
  [0, '\xcf\xfa\xed\xfe', type('application/x-mach-binary', 'executable')],
  [0, 'SQLite format 3\0', type('application/vnd.sqlite3', 'database')],
  [4, 'Standard Jet DB\0', type('application/x-msaccess', 'database')],
  [4, 'Standard ACE DB\0', type('application/x-msaccess', 'database')],
  [0, 'wOFF', type('font/woff', 'unknown')],
  [0, 'wOF2', type('font/woff2', 'unknown')],
  [0, 'OTTO\0', type('font/otf', 'unknown')],
];

function sniffRiff(head: Uint8Array): Sniffed | null {
  if (!hasAt(head, 0, 'RIFF') && !hasAt(head, 0, 'RF64')) return null;
  const form = latin1(head, 8, 4);
  if (form === 'WEBP') return type('image/webp', 'image');
  if (form === 'WAVE') return type('audio/wav', 'audio');
  if (form === 'AVI ') return type('video/x-msvideo', 'video');
  return null;
}

/** Image brands of ISO base media files (HEIF, AVIF, Canon CR3), in order of precedence. */
const IMAGE_BRANDS: Readonly<Record<string, string>> = {
  avif: 'image/avif',
  avis: 'image/avif',
  heic: 'image/heic',
  heix: 'image/heic',
  heim: 'image/heic',
  heis: 'image/heic',
  hevc: 'image/heic-sequence',
  hevx: 'image/heic-sequence',
  hevm: 'image/heic-sequence',
  hevs: 'image/heic-sequence',
  'crx ': 'image/x-canon-cr3',
  mif1: 'image/heif',
  msf1: 'image/heif-sequence',
};

/** Top-level QuickTime atoms that can open a `.mov` written before `ftyp` existed. */
const QUICKTIME_ATOMS = new Set(['moov', 'mdat', 'wide', 'pnot', 'free', 'skip']);

/**
 * QuickTime files from before `ftyp`, which open with another top-level atom. Four letters at offset 4 are
 * common in text ("I'm free"), so this is tried after text.
 */
function sniffQuickTime(head: Uint8Array): Sniffed | null {
  return QUICKTIME_ATOMS.has(latin1(head, 4, 4)) && u32(head, 0) >= 8
    ? type('video/quicktime', 'video')
    : null;
}

function sniffIsoBmff(head: Uint8Array): Sniffed | null {
  if (!hasAt(head, 4, 'ftyp')) return null;
  const major = latin1(head, 8, 4);
  const brands = [major];
  const end = Math.min(u32(head, 0), head.length, 16 + 4 * 64);
  for (let at = 16; at + 4 <= end; at += 4) brands.push(latin1(head, at, 4));
  for (const [brand, mime] of Object.entries(IMAGE_BRANDS)) {
    if (brands.includes(brand)) return type(mime, 'image');
  }
  if (major === 'qt  ') return type('video/quicktime', 'video');
  if (/^(M4A |M4B |M4P |F4A |F4B )$/.test(major)) return type('audio/mp4', 'audio');
  if (/^M4V/.test(major)) return type('video/x-m4v', 'video');
  if (/^3g2/.test(major)) return type('video/3gpp2', 'video');
  if (/^3g[pgse]/.test(major)) return type('video/3gpp', 'video');
  return type('video/mp4', 'video', 'isobmff');
}

/** Matroska and WebM: the EBML header's DocType element (ID 0x4282), a variable-length size, the name. */
function sniffEbml(head: Uint8Array): Sniffed | null {
  if (!hasAt(head, 0, [0x1a, 0x45, 0xdf, 0xa3])) return null;
  const at = indexOf(head, '\x42\x82', 4, 64);
  const first = at < 0 ? -1 : u8(head, at + 2);
  if (first <= 0) return type('video/x-matroska', 'video', 'ebml');
  const width = Math.clz32(first) - 23; // bytes in the size: one more than the leading zero bits of `first`
  let size = first & (0xff >> width);
  for (let i = 1; i < width; i++) size = size * 256 + Math.max(0, u8(head, at + 2 + i));
  const docType = latin1(head, at + 2 + width, Math.min(size, 32));
  return docType === 'webm' ? type('video/webm', 'video', 'ebml') : type('video/x-matroska', 'video', 'ebml');
}

/** Ogg: the codec of the first packet, which starts after the page header and its segment table. */
function sniffOgg(head: Uint8Array): Sniffed | null {
  if (!hasAt(head, 0, 'OggS\0')) return null;
  const packet = 27 + Math.max(0, u8(head, 26));
  if (hasAt(head, packet, '\x80theora') || hasAt(head, packet, '\x01video\0')) {
    return type('video/ogg', 'video');
  }
  for (const codec of ['\x01vorbis', 'OpusHead', '\x7fFLAC', 'Speex   ']) {
    if (hasAt(head, packet, codec)) return type('audio/ogg', 'audio');
  }
  return type('application/ogg', 'unknown', 'ogg');
}

/** The kind of a MIME type a zip names in its `mimetype` entry (EPUB, OpenDocument and kin). */
function kindOfPackage(mime: string): ContentKind {
  const family = mime.slice(0, mime.indexOf('/'));
  if (family === 'image' || family === 'video' || family === 'audio') return family;
  return /opendocument|epub/.test(mime) ? 'document' : 'archive';
}

/** Entry names that tell a zip-based format; the first found in the head wins. */
const ZIP_MEMBERS: readonly (readonly [prefix: string, ext: string])[] = [
  ['word/', 'docx'],
  ['xl/', 'xlsx'],
  ['ppt/', 'pptx'],
  ['AndroidManifest.xml', 'apk'],
  ['classes.dex', 'apk'],
  ['META-INF/MANIFEST.MF', 'jar'],
];

function sniffZip(head: Uint8Array): Sniffed | null {
  if (hasAt(head, 0, 'PK\x05\x06') || hasAt(head, 0, 'PK\x07\x08')) {
    return type('application/zip', 'archive', 'zip');
  }
  if (!hasAt(head, 0, 'PK\x03\x04')) return null;
  // EPUB and OpenDocument store their type, uncompressed, as the first entry.
  const nameLength = u16(head, 26, true);
  const dataAt = 30 + nameLength + u16(head, 28, true);
  const storedSize = u32(head, 18, true);
  if (latin1(head, 30, nameLength) === 'mimetype' && u16(head, 8, true) === 0 && storedSize <= 100) {
    const mime = latin1(head, dataAt, storedSize);
    if (/^[\w.+-]+\/[\w.+-]+$/.test(mime)) return type(mime, kindOfPackage(mime));
  }
  // Office Open XML, Android and Java packages are told by their entries' names, wherever in the head.
  for (let at = 0; at >= 0; at = indexOf(head, 'PK\x03\x04', at + 4)) {
    const length = u16(head, at + 26, true);
    const name = length > 0 && length <= 256 ? latin1(head, at + 30, length) : '';
    const member = ZIP_MEMBERS.find(([prefix]) => name.startsWith(prefix));
    const known = member && typeOfExtension(member[1]);
    if (known) return type(known.mime, known.kind);
  }
  return type('application/zip', 'archive', 'zip');
}

function sniffAudioStream(head: Uint8Array): Sniffed | null {
  const mime = audioStreamType(head);
  return mime === null ? null : type(mime, 'audio');
}

/** MPEG transport streams: a 0x47 sync byte every 188 bytes (192 in Blu-ray's M2TS, after a 4-byte stamp). */
function sniffTransportStream(head: Uint8Array): Sniffed | null {
  for (const [first, stride] of [
    [0, 188],
    [4, 192],
  ]) {
    if ([0, 1, 2].every((i) => u8(head, first + i * stride) === 0x47)) return type('video/mp2t', 'video');
  }
  return null;
}

function sniffExecutable(head: Uint8Array): Sniffed | null {
  if (hasAt(head, 0, '\x7fELF')) {
    // e_type, in the byte order e_ident says. Position-independent executables are ET_DYN too.
    const elfType = u16(head, 16, u8(head, 5) === 1);
    if (elfType === 1) return type('application/x-object', 'executable');
    if (elfType === 2) return type('application/x-executable', 'executable');
    if (elfType === 3) return type('application/x-sharedlib', 'executable');
    if (elfType === 4) return type('application/x-coredump', 'unknown');
    return type('application/x-elf', 'executable');
  }
  if (hasAt(head, 0, 'MZ')) {
    const pe = u32(head, 0x3c, true);
    if (hasAt(head, pe, 'PE\0\0')) return type('application/vnd.microsoft.portable-executable', 'executable');
  }
  if (hasAt(head, 0, '\xca\xfe\xba\xbe')) {
    // Java classes and universal Mach-O binaries share this magic: a class then has its version (45 and up),
    // a universal binary its count of architectures.
    const next = u32(head, 4);
    if (next >= 0 && next < 30) return type('application/x-mach-binary', 'executable');
    if (next >= 30) return type('application/java-vm', 'executable');
  }
  return null;
}

function sniffImage(head: Uint8Array): Sniffed | null {
  if (
    hasAt(head, 0, 'II*\0') ||
    hasAt(head, 0, 'MM\0*') ||
    hasAt(head, 0, 'II+\0') ||
    hasAt(head, 0, 'MM\0+')
  ) {
    // Canon CR2 is a TIFF that says so after the header; other raw formats only by their extension.
    if (hasAt(head, 8, 'CR\x02')) return type('image/x-canon-cr2', 'image');
    return type('image/tiff', 'image', 'tiff');
  }
  if (isBmp(head)) return type('image/bmp', 'image');
  if (isIco(head)) return type('image/x-icon', 'image');
  if (hasAt(head, 0, 'FORM') && (hasAt(head, 8, 'AIFF') || hasAt(head, 8, 'AIFC'))) {
    return type('audio/aiff', 'audio');
  }
  // bzip2: `BZh`, the block size digit, then the magic of a first block (π) or of the end of the stream (√π).
  if (hasAt(head, 0, 'BZh') && (hasAt(head, 4, '1AY&SY') || hasAt(head, 4, '\x17\x72\x45\x38\x50\x90'))) {
    return u8(head, 3) >= 0x31 && u8(head, 3) <= 0x39 ? type('application/x-bzip2', 'archive') : null;
  }
  return null;
}

/**
 * The MIME type and kind of a file from its first bytes (`head`, ideally 64 KiB; many formats need far
 * less, tar needs 262 bytes, ISO 9660 images 32 KiB).
 *
 * The bytes decide. The extension (with or without its dot, any case) is consulted only where they leave a
 * choice: a generic container (a zip, an OLE2 file, a TIFF, an MPEG-4 file without a telling brand,
 * Matroska, Ogg, ASF, `ar`) becomes the extension's more specific type when that type lives in the same
 * container (`.docx` → Word document, `.dng` → DNG, `.m4a` → MPEG-4 audio), and text becomes the
 * extension's text type (`.json`, `.md`, `.ts`...). A `.jpg` whose bytes are text is `text/plain`.
 *
 * Unrecognised binary data is `application/octet-stream` (kind `unknown`); an empty head is
 * `application/x-empty`. Never throws.
 *
 * @example
 * ```ts
 * sniffBytes(head, 'jpg'); // { mime: 'image/jpeg', kind: 'image' } when head starts FF D8 FF
 * sniffBytes(new TextEncoder().encode('{"a": 1}'), '.json'); // { mime: 'application/json', kind: 'code' }
 * sniffBytes(new TextEncoder().encode('{"a": 1}')); // { mime: 'text/plain', kind: 'text' }
 * ```
 */
export function sniffBytes(head: Uint8Array, extension?: string | null): SniffedType {
  if (head.length === 0) return { mime: 'application/x-empty', kind: 'unknown' };
  // Text before the weakest signatures: UTF-16's byte order marks would pass for MPEG audio frame headers.
  const sniffed =
    sniffBinary(head) ??
    sniffTextType(head) ??
    sniffQuickTime(head) ??
    sniffAudioStream(head) ??
    sniffTransportStream(head);
  if (sniffed === null) return { mime: 'application/octet-stream', kind: 'unknown' };
  const byName = sniffed.container === undefined ? undefined : typeOfExtension(extension);
  if (byName !== undefined && byName.container === sniffed.container) {
    return { mime: byName.mime, kind: byName.kind };
  }
  return { mime: sniffed.mime, kind: sniffed.kind };
}

function sniffBinary(head: Uint8Array): Sniffed | null {
  for (const [at, signature, found] of SIGNATURES) if (hasAt(head, at, signature)) return found;
  return (
    sniffRiff(head) ??
    sniffIsoBmff(head) ??
    sniffEbml(head) ??
    sniffOgg(head) ??
    sniffZip(head) ??
    sniffImage(head) ??
    sniffExecutable(head)
  );
}

function sniffTextType(head: Uint8Array): Sniffed | null {
  const text = sniffText(head);
  if (text === null) return null;
  return text.generic ? type(text.mime, text.kind, 'text') : type(text.mime, text.kind);
}
