/**
 * The byte fixtures of the sniffing tests, as data: every head `sniff.test.ts` checks, with the extension it
 * is checked under. `sniffGolden.test.ts` runs them all through the sniffers and compares the results with
 * those recorded from the hand-written sniffers (`sniffGolden.json`), before `file-type`, `mime-types` and
 * `sharp` replaced them.
 */
import { Buffer } from 'node:buffer';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import type { ContentKind } from '../../../src/jobs/content/ContentKind.js';
import { pseudoRandomBytes } from './pseudoRandomBytes.js';

/** Bytes from parts: strings as Latin-1 (one byte a character), numbers as bytes. */
export function bytes(...parts: (string | readonly number[] | Uint8Array)[]): Buffer {
  return Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))),
  );
}
export const be16 = (n: number) => [n >> 8, n & 0xff];
export const be32 = (n: number) => [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
export const le16 = (n: number) => [n & 0xff, n >> 8];
export const le32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
export const zeros = (n: number) => new Uint8Array(n);
export const text = (s: string) => Buffer.from(s, 'utf8');

/** A JPEG segment: marker, 16-bit length (counting itself), payload. */
export const segment = (marker: number, payload: Uint8Array | readonly number[] = []) =>
  bytes([0xff, marker], be16(payload.length + 2), payload);
export const sof = (marker: number, width: number, height: number) =>
  segment(marker, [8, ...be16(height), ...be16(width), 1, 1, 0x11, 0]);
/** An Exif APP1 segment whose IFD0 has just an orientation, in either byte order. */
export const exifApp1 = (orientation: number, le = false) => {
  const u16 = le ? le16 : be16;
  const u32 = le ? le32 : be32;
  const tiff = bytes(
    le ? 'II*\0' : 'MM\0*',
    u32(8),
    u16(1),
    u16(0x0112),
    u16(3),
    u32(1),
    u16(orientation),
    [0, 0],
  );
  return segment(0xe1, bytes('Exif\0\0', tiff, u32(0)));
};
/** A zip local file header and its (stored) data. */
export const zipEntry = (name: string, data = '') =>
  bytes(
    'PK\x03\x04',
    le16(20),
    le16(0),
    le16(0),
    zeros(8),
    le32(data.length),
    le32(data.length),
    le16(name.length),
    le16(0),
    name,
    data,
  );
export const ftyp = (major: string, ...compatible: string[]) =>
  bytes(be32(16 + 4 * compatible.length), 'ftyp', major, zeros(4), ...compatible);
export const mp3Frame = () => bytes([0xff, 0xfb, 0x90, 0x64], zeros(413)); // MPEG-1 layer III, 128 kbit/s, 44.1 kHz
export const adtsFrame = () => bytes([0xff, 0xf1, 0x50, 0x80, 0x0c, 0x9f, 0xfc], zeros(93)); // a 100-byte frame

/** A head, the name of its case, the extension it is sniffed with, and the expected MIME type and kind. */
export type Case = readonly [
  name: string,
  head: Uint8Array,
  ext: string | null,
  mime: string,
  kind: ContentKind,
];

/** Magic-number cases, sniffed without an extension. */
export function magicCases(): [string, Uint8Array, string, ContentKind][] {
  const ogg = (packet: string) => bytes('OggS\0\x02', zeros(20), [1, 30], packet, zeros(20));
  const ebml = (docType: string) =>
    bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x80 | docType.length], docType);
  const elf = (type: number) => bytes('\x7fELF', [2, 1, 1, 0], zeros(8), le16(type), le16(62), zeros(40));
  const pe = bytes('MZ', zeros(0x3a), le32(0x40), 'PE\0\0', zeros(20));
  const tar = bytes('hello.txt', zeros(248), 'ustar\x0000', zeros(243));
  return [
    ['jpeg', bytes([0xff, 0xd8, 0xff, 0xe0], zeros(20)), 'image/jpeg', 'image'],
    ['png', bytes('\x89PNG\r\n\x1a\n', zeros(20)), 'image/png', 'image'],
    ['gif87a', bytes('GIF87a', zeros(10)), 'image/gif', 'image'],
    ['gif89a', bytes('GIF89a', zeros(10)), 'image/gif', 'image'],
    ['webp', bytes('RIFF', le32(100), 'WEBPVP8 ', zeros(20)), 'image/webp', 'image'],
    ['bmp', bytes('BM', zeros(12), le32(40), zeros(30)), 'image/bmp', 'image'],
    ['tiff (II)', bytes('II*\0', le32(8), zeros(10)), 'image/tiff', 'image'],
    ['tiff (MM)', bytes('MM\0*', be32(8), zeros(10)), 'image/tiff', 'image'],
    ['canon cr2', bytes('II*\0', le32(16), 'CR\x02\0', zeros(10)), 'image/x-canon-cr2', 'image'],
    [
      'ico',
      bytes([0, 0, 1, 0], le16(1), [16, 16, 0, 0], le16(1), le16(32), le32(1128), le32(22)),
      'image/x-icon',
      'image',
    ],
    ['heic', ftyp('heic', 'mif1', 'heic'), 'image/heic', 'image'],
    ['heif (mif1 only)', ftyp('mif1', 'mif1'), 'image/heif', 'image'],
    ['heif with an heic brand', ftyp('mif1', 'mif1', 'heic'), 'image/heic', 'image'],
    ['avif', ftyp('avif', 'mif1', 'miaf', 'avif'), 'image/avif', 'image'],
    ['avif sequence', ftyp('avis', 'msf1', 'avis'), 'image/avif', 'image'],
    ['canon cr3', ftyp('crx ', 'crx ', 'isom'), 'image/x-canon-cr3', 'image'],
    ['psd', bytes('8BPS', [0, 1], zeros(20)), 'image/vnd.adobe.photoshop', 'image'],
    ['jpeg xl', bytes([0xff, 0x0a], zeros(10)), 'image/jxl', 'image'],
    ['jpeg 2000', bytes([0, 0, 0, 12], 'jP  \r\n\x87\n', zeros(10)), 'image/jp2', 'image'],
    ['pdf', bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'), 'application/pdf', 'document'],
    ['postscript', text('%!PS-Adobe-3.0\n'), 'application/postscript', 'document'],
    ['rtf', text('{\\rtf1\\ansi hello}'), 'application/rtf', 'document'],
    ['zip', zipEntry('a.txt', 'hello'), 'application/zip', 'archive'],
    ['empty zip', bytes('PK\x05\x06', zeros(18)), 'application/zip', 'archive'],
    [
      'docx',
      bytes(
        zipEntry('[Content_Types].xml', '<Types/>'),
        zipEntry('_rels/.rels'),
        zipEntry('word/document.xml'),
      ),
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'document',
    ],
    [
      'xlsx',
      bytes(zipEntry('[Content_Types].xml'), zipEntry('xl/workbook.xml')),
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'document',
    ],
    [
      'pptx',
      bytes(zipEntry('[Content_Types].xml'), zipEntry('ppt/presentation.xml')),
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
      'document',
    ],
    [
      'epub',
      bytes(zipEntry('mimetype', 'application/epub+zip'), zipEntry('META-INF/container.xml')),
      'application/epub+zip',
      'document',
    ],
    [
      'odt',
      zipEntry('mimetype', 'application/vnd.oasis.opendocument.text'),
      'application/vnd.oasis.opendocument.text',
      'document',
    ],
    [
      'jar',
      bytes(zipEntry('META-INF/'), zipEntry('META-INF/MANIFEST.MF')),
      'application/java-archive',
      'executable',
    ],
    ['apk', bytes(zipEntry('AndroidManifest.xml')), 'application/vnd.android.package-archive', 'executable'],
    ['gzip', gzipSync(text('hello')), 'application/gzip', 'archive'],
    ['bzip2', bytes('BZh91AY&SY', zeros(10)), 'application/x-bzip2', 'archive'],
    ['xz', bytes('\xfd7zXZ\0', zeros(10)), 'application/x-xz', 'archive'],
    ['zstd', bytes([0x28, 0xb5, 0x2f, 0xfd], zeros(10)), 'application/zstd', 'archive'],
    ['7z', bytes("7z\xbc\xaf'\x1c", zeros(10)), 'application/x-7z-compressed', 'archive'],
    ['rar 4', bytes('Rar!\x1a\x07\0', zeros(10)), 'application/vnd.rar', 'archive'],
    ['rar 5', bytes('Rar!\x1a\x07\x01\0', zeros(10)), 'application/vnd.rar', 'archive'],
    ['tar (ustar at 257)', tar, 'application/x-tar', 'archive'],
    ['iso 9660', bytes(zeros(32768), '\x01CD001\x01', zeros(10)), 'application/x-iso9660-image', 'archive'],
    ['deb (ar)', bytes('!<arch>\ndebian-binary   ', zeros(10)), 'application/x-archive', 'archive'],
    ['mp4', ftyp('isom', 'isom', 'iso2', 'avc1', 'mp41'), 'video/mp4', 'video'],
    ['mov (qt brand)', ftyp('qt  ', 'qt  '), 'video/quicktime', 'video'],
    ['mov (no ftyp)', bytes(be32(8), 'wide', be32(100), 'mdat'), 'video/quicktime', 'video'],
    ['m4a', ftyp('M4A ', 'M4A ', 'mp42', 'isom'), 'audio/mp4', 'audio'],
    ['3gp', ftyp('3gp4', '3gp4', 'isom'), 'video/3gpp', 'video'],
    ['webm', ebml('webm'), 'video/webm', 'video'],
    ['mkv', ebml('matroska'), 'video/x-matroska', 'video'],
    ['mp3 (ID3)', bytes('ID3\x03\0\0', [0, 0, 0, 10], zeros(10), mp3Frame()), 'audio/mpeg', 'audio'],
    ['mp3 (frame sync)', bytes(mp3Frame(), mp3Frame()), 'audio/mpeg', 'audio'],
    ['aac (ADTS)', bytes(adtsFrame(), adtsFrame()), 'audio/aac', 'audio'],
    [
      'flac behind ID3',
      bytes('ID3\x04\0\0', [0, 0, 0, 4], zeros(4), 'fLaC', zeros(10)),
      'audio/flac',
      'audio',
    ],
    ['wav', bytes('RIFF', le32(100), 'WAVEfmt ', zeros(20)), 'audio/wav', 'audio'],
    ['flac', bytes('fLaC', zeros(10)), 'audio/flac', 'audio'],
    ['ogg vorbis', ogg('\x01vorbis'), 'audio/ogg', 'audio'],
    ['ogg opus', ogg('OpusHead'), 'audio/ogg', 'audio'],
    ['ogg theora', ogg('\x80theora'), 'video/ogg', 'video'],
    ['avi', bytes('RIFF', le32(100), 'AVI LIST', zeros(20)), 'video/x-msvideo', 'video'],
    ['aiff', bytes('FORM', be32(100), 'AIFFCOMM', zeros(20)), 'audio/aiff', 'audio'],
    ['midi', bytes('MThd\0\0\0\x06', zeros(6)), 'audio/midi', 'audio'],
    [
      'mpeg-ts',
      bytes(...[0, 1, 2].map(() => bytes([0x47], new Uint8Array(187).fill(0xff)))),
      'video/mp2t',
      'video',
    ],
    ['elf executable', elf(2), 'application/x-executable', 'executable'],
    ['elf shared object', elf(3), 'application/x-sharedlib', 'executable'],
    ['pe', pe, 'application/vnd.microsoft.portable-executable', 'executable'],
    ['mach-o', bytes('\xcf\xfa\xed\xfe', zeros(20)), 'application/x-mach-binary', 'executable'],
    [
      'universal mach-o',
      bytes('\xca\xfe\xba\xbe', be32(2), zeros(20)),
      'application/x-mach-binary',
      'executable',
    ],
    ['java class', bytes('\xca\xfe\xba\xbe', be32(65), zeros(20)), 'application/java-vm', 'executable'],
    ['wasm', bytes('\0asm\x01\0\0\0'), 'application/wasm', 'executable'],
    ['sqlite', bytes('SQLite format 3\0', zeros(84)), 'application/vnd.sqlite3', 'database'],
    ['woff2', bytes('wOF2', zeros(20)), 'font/woff2', 'unknown'],
    ['binary junk', bytes([0, 1, 2, 3, 0xfe, 0x80, 0x7f]), 'application/octet-stream', 'unknown'],
    ['empty', new Uint8Array(0), 'application/x-empty', 'unknown'],
  ];
}

/** Text cases: content, extension, expected MIME type and kind. */
export function textCases(): [string, Uint8Array, string | null, string, ContentKind][] {
  return (
    [
      ['plain', 'hello\nworld\n', null, 'text/plain', 'text'],
      ['UTF-8 beyond ASCII', 'Grüße, 世界 🎉\n', null, 'text/plain', 'text'],
      ['json by extension', '{"a": 1}', 'json', 'application/json', 'code'],
      ['json without one', '{"a": 1}', null, 'text/plain', 'text'],
      ['markdown, extension in capitals with a dot', '# Title\n', '.MD', 'text/markdown', 'text'],
      ['csv', 'a,b\n1,2\n', 'csv', 'text/csv', 'text'],
      ['typescript', 'const x: number = 1;\n', 'ts', 'text/x-typescript', 'code'],
      ['javascript', 'export {};\n', 'mjs', 'text/javascript', 'code'],
      ['yaml', 'a: 1\n', 'yml', 'application/yaml', 'code'],
      ['html by content', '<!DOCTYPE html>\n<html><body></body></html>', null, 'text/html', 'code'],
      ['html element first', '  <html lang="en">', null, 'text/html', 'code'],
      ['xml by content', '<?xml version="1.0"?>\n<root/>', null, 'application/xml', 'code'],
      ['xml extension over html content', '<html></html>', 'xml', 'application/xml', 'code'],
      [
        'svg',
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        null,
        'image/svg+xml',
        'image',
      ],
      [
        'svg after a prolog',
        '\ufeff<?xml version="1.0"?>\n<!-- made by hand -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" ' +
          '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [ <!ENTITY a "b"> ]>\n<svg version="1.1">',
        null,
        'image/svg+xml',
        'image',
      ],
      [
        'svg with a namespace prefix',
        '<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>',
        'xml',
        'image/svg+xml',
        'image',
      ],
      ['svg by extension (element not in sight)', '<!-- a long comment', 'svg', 'image/svg+xml', 'image'],
      ['python script', '#!/usr/bin/env python3\nprint(1)\n', null, 'text/x-python', 'code'],
      ['shell script', '#!/bin/bash -e\necho\n', null, 'text/x-shellscript', 'code'],
      ['node script', '#!/usr/bin/env -S node --no-warnings\n', null, 'text/javascript', 'code'],
      ['unknown interpreter', '#!/opt/bin/frob\n', null, 'text/plain', 'code'],
      ['extension over shebang', '#!/usr/bin/env node\n', 'ts', 'text/x-typescript', 'code'],
      ['text named .jpg', 'not a picture\n', 'jpg', 'text/plain', 'text'],
      ['text with a QuickTime atom name at offset 4', "I'm free\n", null, 'text/plain', 'text'],
      ['text that starts like bzip2', 'BZh9 is not compressed\n', null, 'text/plain', 'text'],
      ['text that starts like a font', 'OTTO was here\n', null, 'text/plain', 'text'],
    ] as const
  ).map(([name, content, ext, mime, kind]) => [name, text(content), ext, mime, kind]);
}

/** Generic containers refined (or not) by their extension: head, extension, expected MIME type. */
export function refineCases(): [string, Uint8Array, string | null, string][] {
  const tiff = bytes('II*\0', le32(8), zeros(10));
  const ole = bytes('\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1', zeros(24));
  const mp4 = ftyp('isom', 'isom', 'mp41');
  const tsPackets = bytes(...[0, 1, 2].map(() => bytes([0x47], new Uint8Array(187).fill(0xff))));
  return [
    [
      'zip named .docx',
      zipEntry('a.xml'),
      'docx',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    ],
    ['zip named .jpg', zipEntry('a.xml'), 'jpg', 'application/zip'],
    [
      'word document named .zip',
      bytes(zipEntry('word/document.xml')),
      'zip',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    ],
    ['tiff named .dng', tiff, 'dng', 'image/x-adobe-dng'],
    ['tiff named .NEF', tiff, 'NEF', 'image/x-nikon-nef'],
    ['tiff named .jpg', tiff, 'jpg', 'image/tiff'],
    ['ole2 named .doc', ole, 'doc', 'application/msword'],
    ['ole2 named .msi', ole, 'msi', 'application/x-msi'],
    ['ole2 unnamed', ole, null, 'application/x-ole-storage'],
    ['mp4 named .m4a', mp4, 'm4a', 'audio/mp4'],
    ['mp4 named .mov', mp4, 'mov', 'video/quicktime'],
    ['mp4 named .heic', mp4, 'heic', 'video/mp4'],
    ['heic named .mp4', ftyp('heic', 'mif1', 'heic'), 'mp4', 'image/heic'],
    [
      'matroska named .mka',
      bytes([0x1a, 0x45, 0xdf, 0xa3, 0x88, 0x42, 0x82, 0x88], 'matroska'),
      'mka',
      'audio/x-matroska',
    ],
    ['jpeg named .png', bytes([0xff, 0xd8, 0xff, 0xdb], zeros(10)), 'png', 'image/jpeg'],
    ['mpeg-ts named .ts', tsPackets, 'ts', 'video/mp2t'],
  ];
}

/** The heads of the other `sniffBytes` tests (cut characters, binary bytes in text, UTF-16, a lone frame). */
export function otherCases(): [string, Uint8Array, string | null][] {
  const cafe = text('caf\u00e9 \u4e16');
  return [
    ['text cut 1 byte into a character', cafe.subarray(0, cafe.length - 1), null],
    ['text cut 2 bytes into a character', cafe.subarray(0, cafe.length - 2), null],
    ['NUL in a .txt', text('abc\0def'), 'txt'],
    ['control byte in a .txt', text('abc\x01def'), 'txt'],
    ['invalid UTF-8 in a .txt', bytes('abc', [0xc3, 0x28], 'def'), 'txt'],
    ['a UTF-16 surrogate in a .txt', bytes('abc', [0xed, 0xa0, 0x80]), 'txt'],
    ['tabs, form feeds, ANSI escapes', text('a\tb\r\n\f\x1b[31mred\x1b[0m\n'), null],
    ['UTF-16 LE with a BOM', bytes([0xff, 0xfe], Buffer.from('hello', 'utf16le')), null],
    ['UTF-16 BE with a BOM, .md', bytes([0xfe, 0xff], Buffer.from('hi', 'utf16le').swap16()), 'md'],
    ['lone MPEG frame then junk', bytes(mp3Frame(), [1, 2, 3, 4]), null],
    ['mp4 named .m4a', ftyp('isom', 'isom', 'mp41'), 'm4a'],
    ['ole2 named .xls', bytes('\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1', zeros(24)), 'xls'],
    [
      'docx whose [Content_Types].xml names its main part',
      bytes(
        zipEntry(
          '[Content_Types].xml',
          '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
            '<Override PartName="/word/document.xml" ContentType="application/' +
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        ),
        zipEntry('_rels/.rels'),
        zipEntry('word/document.xml'),
      ),
      null,
    ],
  ];
}

/** The hand-made image headers of the `imageInfo` tests (whole "files" of a few dozen bytes). */
export function headerCases(): [string, Uint8Array][] {
  const png = (width: number, height: number, ...chunks: Uint8Array[]) =>
    bytes(
      '\x89PNG\r\n\x1a\n',
      be32(13),
      'IHDR',
      be32(width),
      be32(height),
      [8, 2, 0, 0, 0],
      zeros(4),
      ...chunks,
    );
  const pngChunk = (type: string, data: Uint8Array) => bytes(be32(data.length), type, data, zeros(4));
  const jpeg = (...segments: Uint8Array[]) => bytes([0xff, 0xd8], ...segments, [0xff, 0xd9]);
  const app0 = segment(0xe0, bytes('JFIF\0', [1, 1, 0], be16(1), be16(1), [0, 0]));
  const exif = bytes('MM\0*', be32(8), be16(1), be16(0x0112), be16(3), be32(1), be16(6), [0, 0], be32(0));
  const bmp = (header: number, width: number, height: number) =>
    bytes('BM', zeros(12), le32(header), le32(width), le32(height >>> 0), zeros(28));
  const vp8x = bytes(
    'RIFF',
    le32(30),
    'WEBPVP8X',
    le32(10),
    [0, 0, 0, 0],
    le32(4999).slice(0, 3),
    le32(2).slice(0, 3),
  );
  const decoy = [8, 0x56, 0x78, 0x12, 0x34, 3];
  const tiffEntry = (tag: number, type: number, value: number) =>
    bytes(be16(tag), be16(type), be32(1), type === 3 ? bytes(be16(value), [0, 0]) : be32(value));
  const tiff = bytes(
    'MM\0*',
    be32(8),
    be16(3),
    tiffEntry(0x100, 4, 70000),
    tiffEntry(0x101, 3, 500),
    tiffEntry(0x112, 3, 8),
    be32(0),
  );
  const icoEntry = (w: number, h: number) => bytes([w, h, 0, 0], le16(1), le16(32), le32(100), le32(38));
  const cases: [string, Uint8Array][] = [
    ['png 640x480', png(640, 480)],
    ['png eXIf 6', png(3, 2, pngChunk('eXIf', exif))],
    ['png eXIf after IDAT', png(3, 2, pngChunk('IDAT', zeros(4)), pngChunk('eXIf', exif))],
    ['png 0x5', png(0, 5)],
    ['gif 320x200', bytes('GIF89a', le16(320), le16(200), zeros(4))],
    ['bmp 40 640x480', bmp(40, 640, 480)],
    ['bmp 124 top-down', bmp(124, 640, -480)],
    ['bmp os/2', bytes('BM', zeros(12), le32(12), le16(64), le16(32), zeros(4))],
    ['bmp negative width', bmp(40, -640, 480)],
    ['bmp unknown header', bmp(41, 640, 480)],
    ['webp vp8x 5000x3', vp8x],
    [
      'jpeg past DHT, DAC, JPG',
      jpeg(
        app0,
        segment(0xdb, zeros(65)),
        segment(0xc4, decoy),
        segment(0xcc, decoy),
        segment(0xc8, decoy),
        sof(0xc0, 400, 300),
      ),
    ],
    ['jpeg progressive', jpeg(app0, sof(0xc2, 401, 301))],
    ['jpeg sof15', jpeg(app0, sof(0xcf, 7, 5))],
    ['jpeg fill and stray bytes', jpeg(app0, bytes([0xff, 0xff, 0xff]), bytes([0, 0]), sof(0xc1, 10, 20))],
    ['jpeg exif 9', jpeg(exifApp1(9), sof(0xc0, 64, 48))],
    ['jpeg exif 0', jpeg(exifApp1(0), sof(0xc0, 64, 48))],
    ['jpeg scan before frame', jpeg(app0, segment(0xda, zeros(10)))],
    ['jpeg no frame', jpeg(app0)],
    ['jpeg zero height', jpeg(sof(0xc0, 64, 0))],
    ['jpeg length below 2', bytes([0xff, 0xd8, 0xff, 0xe0, 0, 1])],
    ['tiff big-endian', tiff],
    ['tiff cut in orientation', tiff.subarray(0, 45)],
    ['tiff cut in height', tiff.subarray(0, 33)],
    ['ico 256', bytes([0, 0, 1, 0], le16(2), icoEntry(16, 16), icoEntry(0, 0))],
  ];
  for (const le of [false, true]) {
    for (let orientation = 1; orientation <= 8; orientation++) {
      cases.push([
        `jpeg exif ${orientation} ${le ? 'II' : 'MM'}`,
        jpeg(exifApp1(orientation, le), exifApp1(3, le), sof(0xc0, 64, 48)),
      ]);
    }
  }
  return cases;
}

/** Extensions to look up: every one the hand-written table knew, and some it did not. */
export const EXTENSIONS: readonly (string | null)[] = [
  ...'jpg jpeg jpe jfif png apng gif webp bmp dib tif tiff ico cur heic heif hif avif svg psd jxl jp2 dng cr2 cr3 nef nrw arw pef srw orf rw2 raf mp4 m4v mov qt 3gp 3g2 mkv webm avi wmv asf flv mpg mpeg m2ts ogv mp3 m4a m4b aac wav flac ogg oga opus wma aif aiff aifc mid midi mka weba pdf doc xls ppt docx xlsx pptx odt ods odp epub rtf ps eps zip gz tgz bz2 xz zst lz4 7z rar tar cab deb rpm iso txt text log md markdown rst csv tsv vtt srt tex json jsonc ipynb yaml yml toml ini xml html htm css js mjs cjs jsx ts mts cts tsx py rb rs go c h cc cpp cxx hpp java kt swift cs php pl lua sh bash zsh sql diff patch exe dll so o dylib wasm class jar apk msi sqlite sqlite3 db mdb accdb'.split(
    ' ',
  ),
  ...['JPG', '.heic', '.MOV', '.MD', 'NEF', 'xyz', '', null, '__proto__', 'constructor', 'toString'],
  ...['woff', 'woff2', 'otf', 'ttf', 'mp2', 'm3u8', 'webmanifest', 'odg', 'pages', 'key', 'numbers'],
  ...['heics', 'avifs', 'jxr', 'wmf', 'emf', 'dmg', 'lzma', 'z', 'br', 'lzh', 'arj', 'cpio', 'a', 'ar'],
  ...['ttc', 'eot', 'ics', 'vcf', 'eml', 'mbox', 'pem', 'crt', 'key', 'gpg', 'asc', 'torrent', 'blend'],
];

/** Images made with sharp, by name (the format first). */
const noise = (width: number, height: number) =>
  sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 128, sigma: 30 },
    },
  });
const flat = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 40 } } });

export const recipes: Record<string, () => Promise<Buffer>> = {
  'jpeg 640x480': () => flat(640, 480).jpeg().toBuffer(),
  'jpeg 1x1': () => flat(1, 1).jpeg().toBuffer(),
  'jpeg 4000x3000': () => flat(4000, 3000).jpeg().toBuffer(),
  'jpeg 17x9 progressive': () => noise(17, 9).jpeg({ progressive: true }).toBuffer(),
  'jpeg with a 940 KiB ICC profile before the frame header': () =>
    noise(64, 48).withMetadata({ orientation: 6 }).withIccProfile('cmyk').jpeg().toBuffer(),
  'jpeg with a 60 KB Exif block': () =>
    noise(64, 48)
      .withExif({ IFD0: { ImageDescription: 'x'.repeat(60_000) } })
      .jpeg()
      .toBuffer(),
  'png 640x480': () => flat(640, 480).png().toBuffer(),
  'png 1x1': () => flat(1, 1).png().toBuffer(),
  'png palette 300x200': () => noise(300, 200).png({ palette: true }).toBuffer(),
  'png orientation 6': () => flat(30, 20).withMetadata({ orientation: 6 }).png().toBuffer(),
  'webp lossy 640x480': () => noise(640, 480).webp().toBuffer(),
  'webp lossless 1x1': () => flat(1, 1).webp({ lossless: true }).toBuffer(),
  'webp lossless 333x222': () => noise(333, 222).webp({ lossless: true }).toBuffer(),
  'webp with alpha': () => flat(50, 40).ensureAlpha(0.5).webp().toBuffer(),
  'webp orientation 8, EXIF after 130 KB of image': () =>
    noise(640, 480).withMetadata({ orientation: 8 }).webp().toBuffer(),
  'gif 64x48': () => noise(64, 48).gif().toBuffer(),
  'gif 1x1': () => flat(1, 1).gif().toBuffer(),
  'tiff 640x480, IFD0 after 125 KB of image': () => noise(640, 480).tiff().toBuffer(),
  'tiff 1x1': () => flat(1, 1).tiff().toBuffer(),
  'tiff orientation 5': () =>
    flat(30, 20).withMetadata({ orientation: 5 }).tiff({ compression: 'lzw' }).toBuffer(),
  'avif 64x48': () => flat(64, 48).avif().toBuffer(),
  ...Object.fromEntries(
    [1, 2, 3, 4, 5, 6, 7, 8].flatMap((orientation) => [
      [`jpeg orientation ${orientation}`, () => flat(64, 48).withMetadata({ orientation }).jpeg().toBuffer()],
      [`avif orientation ${orientation}`, () => flat(64, 48).withMetadata({ orientation }).avif().toBuffer()],
    ]),
  ),
};

/**
 * A real JPEG (123 × 45, orientation 6, made by sharp) with `appBytes` of APP15 segments between its SOI
 * and the rest, so that its frame header lies that far into the file.
 */
export async function paddedJpeg(appBytes: number): Promise<Buffer> {
  const jpeg = await flat(123, 45).withMetadata({ orientation: 6 }).jpeg().toBuffer();
  const app = segment(0xef, pseudoRandomBytes(65_533));
  const count = Math.ceil(appBytes / app.length);
  return bytes(jpeg.subarray(0, 2), ...Array.from({ length: count }, () => app), jpeg.subarray(2));
}
