/**
 * MIME types from magic numbers: `file-type` says what the first bytes of a file are; this module decides
 * between that and text (`sniffText.ts`), gives the type its {@link ContentKind}, keeps the names the
 * library has always stored, and consults the extension only where the bytes leave a choice.
 *
 * `file-type` is loaded on the first call, so importing this module (the shallow and content indexes do,
 * for `kindOfExtension`) costs nothing.
 */
import type { ITokenizer } from 'strtok3';
import { hasAt, u8, u16 } from './byteReads.js';
import type { ContentKind } from './ContentKind.js';
import { type Container, kindOfMime } from './kindOfMime.js';
import { typeOfExtension } from './kindOfExtension.js';
import { sniffText } from './sniffText.js';

/** A MIME type and the kind of content it is. */
export interface SniffedType {
  readonly mime: string;
  readonly kind: ContentKind;
}

/**
 * `file-type`'s names that differ from those the library stored before it sniffed with `file-type`: kept,
 * so that a library indexed before and after agrees. Most are the IANA-registered names
 * (`application/vnd.rar`, `application/vnd.sqlite3`, `application/vnd.microsoft.portable-executable`).
 */
const NAMES: Readonly<Record<string, string>> = {
  'application/x-rar-compressed': 'application/vnd.rar',
  'application/x-sqlite3': 'application/vnd.sqlite3',
  'application/x-msdownload': 'application/vnd.microsoft.portable-executable',
  'application/x-cfb': 'application/x-ole-storage',
  'application/x-unix-archive': 'application/x-archive',
  'application/x-deb': 'application/vnd.debian.binary-package',
  'application/vnd.ms-asf': 'video/x-ms-asf',
  'application/eps': 'application/postscript',
  'video/vnd.avi': 'video/x-msvideo',
  'video/matroska': 'video/x-matroska',
  'video/MP1S': 'video/mpeg',
  'video/MP2P': 'video/mpeg',
  'audio/x-m4a': 'audio/mp4',
  // An animated PNG is a PNG to everything that reads PNG (sharp and the thumbnail job included).
  'image/apng': 'image/png',
};

/** Sniffed types that are only a generic container, which an extension of the same container may refine. */
const CONTAINERS: Readonly<Record<string, Container>> = {
  'application/zip': 'zip',
  'application/x-ole-storage': 'ole',
  'image/tiff': 'tiff',
  'video/mp4': 'isobmff',
  'video/x-matroska': 'ebml',
  'video/webm': 'ebml',
  'application/ogg': 'ogg',
  'video/x-ms-asf': 'asf',
  'application/x-archive': 'ar',
};

/** Types whose magic number is text: only these win over the bytes being text. */
const TEXT_MAGIC = new Set(['application/pdf', 'application/postscript', 'application/rtf']);

/** What `file-type` says about a head (or a whole file): its MIME type, or `undefined` when it does not know. */
export type Detect = (head: Uint8Array) => Promise<string | undefined>;

let fileType: Promise<typeof import('file-type')> | undefined;

/** `file-type`, loaded once, on first use. */
export function loadFileType(): Promise<typeof import('file-type')> {
  fileType ??= import('file-type');
  return fileType;
}

/** `file-type` on the bytes at hand; what it cannot tell from them (or throws on) is `undefined`. */
export async function detectInBytes(head: Uint8Array): Promise<string | undefined> {
  const { fileTypeFromBuffer } = await loadFileType();
  return (await fileTypeFromBuffer(head).catch(() => undefined))?.mime;
}

/** `file-type` with random access to the whole file (a TIFF's first directory at its end, say). */
export async function detectInFile(tokenizer: ITokenizer): Promise<string | undefined> {
  const { fileTypeFromTokenizer } = await loadFileType();
  return (await fileTypeFromTokenizer(tokenizer).catch(() => undefined))?.mime;
}

/** ELF files by `e_type`, in the byte order `e_ident` says (shared-mime-info's names, as `file` gives them). */
function elfType(head: Uint8Array): SniffedType {
  const elf = u16(head, 16, u8(head, 5) === 1);
  if (elf === 1) return { mime: 'application/x-object', kind: 'executable' };
  // Position-independent executables are ET_DYN (3) too.
  if (elf === 2) return { mime: 'application/x-executable', kind: 'executable' };
  if (elf === 3) return { mime: 'application/x-sharedlib', kind: 'executable' };
  if (elf === 4) return { mime: 'application/x-coredump', kind: 'unknown' };
  return { mime: 'application/x-elf', kind: 'executable' };
}

/** ISO 9660: the first volume descriptor, at sector 16, is a boot record or the primary one. */
function isIso9660(head: Uint8Array): boolean {
  return hasAt(head, 32768, '\0CD001') || hasAt(head, 32768, '\x01CD001');
}

/**
 * Whether a text head could still be one of {@link TEXT_MAGIC}'s formats: they all begin with `%` or `{`.
 * Any other text is text without asking `file-type`, which costs some 0.3 ms on a text head (40 µs on a
 * binary one), most of a content sniff.
 */
function mayHaveTextMagic(head: Uint8Array): boolean {
  return head[0] === 0x25 || head[0] === 0x7b;
}

/**
 * The type of a head: text wins over anything but the document formats whose magic is text; then what
 * `detect` (`file-type`) says, under the library's names; then what it does not tell (ISO 9660 images,
 * ELF's kinds); else binary data.
 */
export async function sniffHead(
  head: Uint8Array,
  extension: string | null | undefined,
  detect: Detect,
): Promise<SniffedType> {
  if (head.length === 0) return { mime: 'application/x-empty', kind: 'unknown' };
  const text = sniffText(head);
  const detected = text === null || mayHaveTextMagic(head) ? await detect(head) : undefined;
  if (text !== null && !(detected !== undefined && TEXT_MAGIC.has(detected))) {
    return refined({ mime: text.mime, kind: text.kind }, text.generic ? 'text' : undefined, extension);
  }
  if (detected === undefined) {
    return isIso9660(head)
      ? { mime: 'application/x-iso9660-image', kind: 'archive' }
      : { mime: 'application/octet-stream', kind: 'unknown' };
  }
  const bare = detected.split(';')[0];
  const mime = Object.hasOwn(NAMES, bare) ? NAMES[bare] : bare;
  if (mime === 'application/x-elf') return elfType(head);
  const container = Object.hasOwn(CONTAINERS, mime) ? CONTAINERS[mime] : undefined;
  return refined({ mime, kind: kindOfMime(mime) }, container, extension);
}

/** `sniffed`, or the extension's type when `sniffed` is only a container and the extension names its kin. */
function refined(
  sniffed: SniffedType,
  container: Container | undefined,
  extension?: string | null,
): SniffedType {
  if (container === undefined) return sniffed;
  const byName = typeOfExtension(extension);
  return byName !== undefined && byName.container === container
    ? { mime: byName.mime, kind: byName.kind }
    : sniffed;
}

/**
 * The MIME type and kind of a file from its first bytes (`head`, ideally 64 KiB; most formats need far
 * less, ISO 9660 images 32 KiB).
 *
 * The bytes decide (`file-type`, and text: valid UTF-8 without binary control bytes, or UTF-16 with a byte
 * order mark). The extension (with or without its dot, any case) is consulted only where they leave a
 * choice: a generic container (a zip, an OLE2 file, a TIFF, an MPEG-4 file without a telling brand,
 * Matroska, Ogg, ASF, `ar`) becomes the extension's more specific type when that type lives in the same
 * container (`.docx` → Word document, `.dng` → DNG, `.m4a` → MPEG-4 audio), and text becomes the
 * extension's text type (`.json`, `.md`, `.ts`...). A `.jpg` whose bytes are text is `text/plain`.
 *
 * Unrecognised binary data is `application/octet-stream` (kind `unknown`); an empty head is
 * `application/x-empty`. Never rejects.
 *
 * @example
 * ```ts
 * await sniffBytes(head, 'jpg'); // { mime: 'image/jpeg', kind: 'image' } when head starts FF D8 FF
 * await sniffBytes(new TextEncoder().encode('{"a": 1}'), '.json'); // { mime: 'application/json', kind: 'code' }
 * await sniffBytes(new TextEncoder().encode('{"a": 1}')); // { mime: 'text/plain', kind: 'text' }
 * ```
 */
export function sniffBytes(head: Uint8Array, extension?: string | null): Promise<SniffedType> {
  return sniffHead(head, extension, detectInBytes);
}
