import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import sharp, { type Metadata } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ContentKind,
  imageInfo,
  kindOfExtension,
  type SniffResult,
  sniffBytes,
  sniffFile,
} from '../../../src/jobs/content/sniff.js';
import { pseudoRandomBytes } from './pseudoRandomBytes.js';
import { makeTempDir } from '../makeTempDir.js';
import { runUnprivileged } from '../unprivileged.js';

/** Bytes from parts: strings as Latin-1 (one byte a character), numbers as bytes. */
function bytes(...parts: (string | readonly number[] | Uint8Array)[]): Buffer {
  return Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))),
  );
}
const be16 = (n: number) => [n >> 8, n & 0xff];
const be32 = (n: number) => [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
const le16 = (n: number) => [n & 0xff, n >> 8];
const le32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const zeros = (n: number) => new Uint8Array(n);
const text = (s: string) => Buffer.from(s, 'utf8');

/** A JPEG segment: marker, 16-bit length (counting itself), payload. */
const segment = (marker: number, payload: Uint8Array | readonly number[] = []) =>
  bytes([0xff, marker], be16(payload.length + 2), payload);
const sof = (marker: number, width: number, height: number) =>
  segment(marker, [8, ...be16(height), ...be16(width), 1, 1, 0x11, 0]);
/** An Exif APP1 segment whose IFD0 has just an orientation, in either byte order. */
const exifApp1 = (orientation: number, le = false) => {
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
const zipEntry = (name: string, data = '') =>
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
const ftyp = (major: string, ...compatible: string[]) =>
  bytes(be32(16 + 4 * compatible.length), 'ftyp', major, zeros(4), ...compatible);
const mp3Frame = () => bytes([0xff, 0xfb, 0x90, 0x64], zeros(413)); // MPEG-1 layer III, 128 kbit/s, 44.1 kHz
const adtsFrame = () => bytes([0xff, 0xf1, 0x50, 0x80, 0x0c, 0x9f, 0xfc], zeros(93)); // a 100-byte frame

describe('kindOfExtension', () => {
  it.each([
    ['JPG', 'image'],
    ['.heic', 'image'],
    ['mp4', 'video'],
    ['.MOV', 'video'],
    ['flac', 'audio'],
    ['pdf', 'document'],
    ['docx', 'document'],
    ['zip', 'archive'],
    ['tar', 'archive'],
    ['txt', 'text'],
    ['md', 'text'],
    ['ts', 'code'],
    ['json', 'code'],
    ['exe', 'executable'],
    ['wasm', 'executable'],
    ['sqlite', 'database'],
    ['xyz', 'unknown'],
    ['', 'unknown'],
    [null, 'unknown'],
    [undefined, 'unknown'],
    ['__proto__', 'unknown'],
    ['constructor', 'unknown'],
  ] as const)('%s → %s', (ext, kind) => {
    expect(kindOfExtension(ext)).toBe(kind);
  });
});

describe('sniffBytes: magic numbers', () => {
  const ogg = (packet: string) => bytes('OggS\0\x02', zeros(20), [1, 30], packet, zeros(20));
  const ebml = (docType: string) =>
    bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x80 | docType.length], docType);
  const elf = (type: number) => bytes('\x7fELF', [2, 1, 1, 0], zeros(8), le16(type), le16(62), zeros(40));
  const pe = bytes('MZ', zeros(0x3a), le32(0x40), 'PE\0\0', zeros(20));
  const tar = bytes('hello.txt', zeros(248), 'ustar\x0000', zeros(243));
  const cases: [string, Uint8Array, string, ContentKind][] = [
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
  it.each(cases)('%s', (_, head, mime, kind) => {
    expect(sniffBytes(head)).toEqual({ mime, kind });
  });

  it('does not take a lone MPEG frame header followed by junk for MP3', () => {
    expect(sniffBytes(bytes(mp3Frame(), [1, 2, 3, 4]))).toEqual({
      mime: 'application/octet-stream',
      kind: 'unknown',
    });
  });
});

describe('sniffBytes: text', () => {
  it.each([
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
  ] as const)('%s', (_, content, ext, mime, kind) => {
    expect(sniffBytes(text(content), ext)).toEqual({ mime, kind });
  });

  it('accepts a multi-byte character cut by the end of the head', () => {
    const head = text('caf\u00e9 \u4e16');
    expect(sniffBytes(head.subarray(0, head.length - 1))).toEqual({ mime: 'text/plain', kind: 'text' });
    expect(sniffBytes(head.subarray(0, head.length - 2))).toEqual({ mime: 'text/plain', kind: 'text' });
  });

  it('is not text with a NUL, a binary control byte or invalid UTF-8', () => {
    const binary = { mime: 'application/octet-stream', kind: 'unknown' };
    expect(sniffBytes(text('abc\0def'), 'txt')).toEqual(binary);
    expect(sniffBytes(text('abc\x01def'), 'txt')).toEqual(binary);
    expect(sniffBytes(bytes('abc', [0xc3, 0x28], 'def'), 'txt')).toEqual(binary);
    expect(sniffBytes(bytes('abc', [0xed, 0xa0, 0x80]), 'txt')).toEqual(binary); // a UTF-16 surrogate
  });

  it('allows tabs, form feeds and ANSI escapes', () => {
    expect(sniffBytes(text('a\tb\r\n\f\x1b[31mred\x1b[0m\n'))).toEqual({ mime: 'text/plain', kind: 'text' });
  });

  it('takes UTF-16 with a byte order mark for text, not for MPEG audio', () => {
    expect(sniffBytes(bytes([0xff, 0xfe], Buffer.from('hello', 'utf16le')))).toEqual({
      mime: 'text/plain',
      kind: 'text',
    });
    expect(sniffBytes(bytes([0xfe, 0xff], Buffer.from('hi', 'utf16le').swap16()), 'md')).toEqual({
      mime: 'text/markdown',
      kind: 'text',
    });
  });
});

describe('sniffBytes: the extension refines generic containers only', () => {
  const tiff = bytes('II*\0', le32(8), zeros(10));
  const ole = bytes('\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1', zeros(24));
  const mp4 = ftyp('isom', 'isom', 'mp41');
  const tsPackets = bytes(...[0, 1, 2].map(() => bytes([0x47], new Uint8Array(187).fill(0xff))));
  it.each([
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
  ] as const)('%s', (_, head, ext, mime) => {
    expect(sniffBytes(head, ext).mime).toBe(mime);
  });

  it('gives the extension kind with the extension type', () => {
    expect(sniffBytes(mp4, 'm4a')).toEqual({ mime: 'audio/mp4', kind: 'audio' });
    expect(sniffBytes(ole, 'xls')).toEqual({ mime: 'application/vnd.ms-excel', kind: 'document' });
  });
});

describe('imageInfo: hand-made headers', () => {
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

  it('reads PNG IHDR and an eXIf orientation before the image data', () => {
    expect(imageInfo(png(640, 480))).toEqual({ width: 640, height: 480, orientation: null });
    const exif = bytes('MM\0*', be32(8), be16(1), be16(0x0112), be16(3), be32(1), be16(6), [0, 0], be32(0));
    expect(imageInfo(png(3, 2, pngChunk('eXIf', exif)))).toEqual({ width: 3, height: 2, orientation: 6 });
    expect(imageInfo(png(3, 2, pngChunk('IDAT', zeros(4)), pngChunk('eXIf', exif)))?.orientation).toBeNull();
    expect(imageInfo(png(0, 5))).toBeNull();
  });

  it('reads GIF logical screens', () => {
    expect(imageInfo(bytes('GIF89a', le16(320), le16(200), zeros(4)))).toEqual({
      width: 320,
      height: 200,
      orientation: null,
    });
  });

  it('reads BMP headers, top-down ones included', () => {
    const bmp = (header: number, width: number, height: number) =>
      bytes('BM', zeros(12), le32(header), le32(width), le32(height >>> 0), zeros(28));
    expect(imageInfo(bmp(40, 640, 480))).toEqual({ width: 640, height: 480, orientation: null });
    expect(imageInfo(bmp(124, 640, -480))).toEqual({ width: 640, height: 480, orientation: null });
    expect(imageInfo(bytes('BM', zeros(12), le32(12), le16(64), le16(32), zeros(4)))).toMatchObject({
      width: 64,
      height: 32,
    });
    expect(imageInfo(bmp(40, -640, 480))).toBeNull();
    expect(imageInfo(bmp(41, 640, 480))).toBeNull();
  });

  it('reads WebP VP8X canvases', () => {
    const vp8x = bytes(
      'RIFF',
      le32(30),
      'WEBPVP8X',
      le32(10),
      [0, 0, 0, 0],
      le32(4999).slice(0, 3),
      le32(2).slice(0, 3),
    );
    expect(imageInfo(vp8x)).toEqual({ width: 5000, height: 3, orientation: null });
  });

  it('walks JPEG segments past DHT, DAC and JPG to the frame header', () => {
    // Each of C4, CC, C8 sits in the SOFn range; read as a frame header, they would give 0x1234 × 0x5678.
    const decoy = [8, 0x56, 0x78, 0x12, 0x34, 3];
    const head = jpeg(
      app0,
      segment(0xdb, zeros(65)),
      segment(0xc4, decoy),
      segment(0xcc, decoy),
      segment(0xc8, decoy),
      sof(0xc0, 400, 300),
    );
    expect(imageInfo(head)).toEqual({ width: 400, height: 300, orientation: null });
    expect(imageInfo(jpeg(app0, sof(0xc2, 401, 301)))).toMatchObject({ width: 401, height: 301 }); // progressive
    expect(imageInfo(jpeg(app0, sof(0xcf, 7, 5)))).toMatchObject({ width: 7, height: 5 });
  });

  it('skips fill bytes and stray bytes between JPEG segments', () => {
    const head = jpeg(app0, bytes([0xff, 0xff, 0xff]), bytes([0, 0]), sof(0xc1, 10, 20));
    expect(imageInfo(head)).toMatchObject({ width: 10, height: 20 });
  });

  it('reads the orientation of the first Exif APP1, big- and little-endian', () => {
    for (const le of [false, true]) {
      for (let orientation = 1; orientation <= 8; orientation++) {
        const head = jpeg(exifApp1(orientation, le), exifApp1(3, le), sof(0xc0, 64, 48));
        expect(imageInfo(head)).toEqual({ width: 64, height: 48, orientation });
      }
    }
    expect(imageInfo(jpeg(exifApp1(9), sof(0xc0, 64, 48)))?.orientation).toBeNull();
    expect(imageInfo(jpeg(exifApp1(0), sof(0xc0, 64, 48)))?.orientation).toBeNull();
  });

  it('gives null for a JPEG with no frame header before its scan, or a zero height', () => {
    expect(imageInfo(jpeg(app0, segment(0xda, zeros(10))))).toBeNull();
    expect(imageInfo(jpeg(app0))).toBeNull();
    expect(imageInfo(jpeg(sof(0xc0, 64, 0)))).toBeNull();
    expect(imageInfo(bytes([0xff, 0xd8, 0xff, 0xe0, 0, 1]))).toBeNull(); // a length below 2
  });

  it('reads TIFF IFD0 with SHORT and LONG values, big-endian', () => {
    const entry = (tag: number, type: number, value: number) =>
      bytes(be16(tag), be16(type), be32(1), type === 3 ? bytes(be16(value), [0, 0]) : be32(value));
    const head = bytes(
      'MM\0*',
      be32(8),
      be16(3),
      entry(0x100, 4, 70000),
      entry(0x101, 3, 500),
      entry(0x112, 3, 8),
      be32(0),
    );
    expect(imageInfo(head)).toEqual({ width: 70000, height: 500, orientation: 8 });
    // Header 8, count 2, then 12-byte entries: cut inside the orientation entry, then inside the height one.
    expect(imageInfo(head.subarray(0, 45))).toEqual({ width: 70000, height: 500, orientation: null });
    expect(imageInfo(head.subarray(0, 33))).toBeNull();
  });

  it('reads the largest ICO entry (0 meaning 256)', () => {
    const entry = (w: number, h: number) => bytes([w, h, 0, 0], le16(1), le16(32), le32(100), le32(38));
    expect(imageInfo(bytes([0, 0, 1, 0], le16(2), entry(16, 16), entry(0, 0)))).toEqual({
      width: 256,
      height: 256,
      orientation: null,
    });
  });

  it('gives null for formats without image headers', () => {
    expect(imageInfo(text('hello'))).toBeNull();
    expect(imageInfo(new Uint8Array(0))).toBeNull();
    expect(imageInfo(ftyp('isom', 'isom'))).toBeNull();
  });
});

/** An image made with sharp, its bytes and what sharp reads back from them. */
interface Sample {
  readonly name: string;
  readonly data: Buffer;
  readonly file: string;
  readonly meta: Metadata;
}

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

const recipes: Record<string, () => Promise<Buffer>> = {
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

const MIMES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  avif: 'image/avif',
};

describe('with images made by sharp', () => {
  let temp: ReturnType<typeof makeTempDir>;
  const samples: Sample[] = [];

  beforeAll(async () => {
    temp = makeTempDir();
    for (const [name, make] of Object.entries(recipes)) {
      const data = await make();
      const file = path.join(temp.dir, `${name.replace(/[^\w]+/g, '-')}.${name.split(' ')[0]}`);
      fs.writeFileSync(file, data);
      samples.push({ name, data, file, meta: await sharp(file).metadata() });
    }
  });
  afterAll(() => temp.cleanup());

  it('sniffFile agrees with sharp on type, size and orientation', async () => {
    expect(samples.length).toBe(Object.keys(recipes).length);
    for (const { name, data, file, meta } of samples) {
      const found = await sniffFile(file, data.length);
      const format = name.split(' ')[0];
      expect(found.mime, name).toBe(MIMES[format]);
      expect(found.kind, name).toBe('image');
      // Sizes as stored, then as shown: HEIF transforms come back as an orientation, which sharp applies.
      const quarterTurn = (found.orientation ?? 1) >= 5;
      const shown = quarterTurn
        ? { width: found.height, height: found.width }
        : { width: found.width, height: found.height };
      expect(shown, name).toEqual(meta.autoOrient);
      if (format === 'avif') {
        const given = Number(/orientation (\d)/.exec(name)?.[1] ?? 1);
        expect(found.orientation ?? 1, name).toBe(given);
      } else {
        expect({ width: found.width, height: found.height }, name).toEqual({
          width: meta.width,
          height: meta.height,
        });
        expect(found.orientation ?? null, name).toBe(meta.orientation ?? null);
      }
    }
  });

  it('leaves out what an image does not have', async () => {
    const sample = samples.find((s) => s.name === 'png 640x480')!;
    expect(await sniffFile(sample.file, sample.data.length)).toStrictEqual({
      mime: 'image/png',
      kind: 'image',
      width: 640,
      height: 480,
    } satisfies SniffResult);
  });

  it('reads on only where the head is not enough', () => {
    const head = (name: string) => samples.find((s) => s.name === name)!.data.subarray(0, 64 * 1024);
    // What the first 64 KiB alone give, which sniffFile completes (the test above).
    expect(imageInfo(head('jpeg with a 940 KiB ICC profile before the frame header'))).toBeNull();
    expect(imageInfo(head('tiff 640x480, IFD0 after 125 KB of image'))).toBeNull();
    expect(imageInfo(head('webp orientation 8, EXIF after 130 KB of image'))).toEqual({
      width: 640,
      height: 480,
      orientation: null,
    });
    expect(imageInfo(head('jpeg with a 60 KB Exif block'))).toMatchObject({ width: 64, height: 48 });
  });

  it('sniffBytes and imageInfo agree with the whole files', () => {
    for (const { name, data, meta } of samples) {
      expect(sniffBytes(data, 'bin').mime, name).toBe(MIMES[name.split(' ')[0]]);
      if (name.startsWith('avif')) continue;
      expect(imageInfo(data), name).toEqual({
        width: meta.width,
        height: meta.height,
        orientation: meta.orientation ?? null,
      });
    }
  });

  it('imageInfo never throws on truncations of real images; what it finds is right', () => {
    for (const { name, data } of samples) {
      const full = imageInfo(data);
      fc.assert(
        fc.property(fc.nat(Math.min(data.length, 200_000)), (length) => {
          const found = imageInfo(data.subarray(0, length));
          if (found !== null) {
            expect({ width: found.width, height: found.height }, name).toEqual({
              width: full?.width,
              height: full?.height,
            });
          }
        }),
        { numRuns: 300 },
      );
      // Every length of the first 2 KiB, where the headers are.
      for (let length = 0; length < Math.min(2048, data.length); length++) {
        sniffBytes(data.subarray(0, length));
        imageInfo(data.subarray(0, length));
      }
    }
  });

  it('imageInfo and sniffBytes never throw on real headers with random bytes changed', () => {
    const heads = samples.map((s) => s.data.subarray(0, 4096));
    fc.assert(
      fc.property(
        fc.nat(heads.length - 1),
        fc.array(fc.tuple(fc.nat(4095), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        (which, changes) => {
          const head = Buffer.from(heads[which]);
          for (const [at, value] of changes) if (at < head.length) head[at] = value;
          imageInfo(head);
          sniffBytes(head, 'jpg');
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('never throws on random bytes', () => {
  const magics = [
    '\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR',
    'GIF89a',
    'BM',
    'RIFF\0\0\0\0WEBPVP8 ',
    'RIFF\0\0\0\0WEBPVP8L',
    'RIFF\0\0\0\0WEBPVP8X',
    '\xff\xd8\xff',
    '\xff\xd8\xff\xe1\0\x20Exif\0\0MM\0*',
    'II*\0',
    'MM\0*',
    '\0\0\x01\0',
    '\0\0\0\x18ftypheic',
    '\0\0\0\x18ftypavif',
    'PK\x03\x04',
    'OggS\0',
    '\x1a\x45\xdf\xa3',
    'ID3\x03\0',
    '\xff\xfb',
    '\x7fELF',
    'MZ',
    '<?xml',
    '#!',
  ];
  it('with or without a magic number in front', () => {
    fc.assert(
      fc.property(
        fc.option(fc.constantFrom(...magics), { nil: '' }),
        fc.uint8Array({ maxLength: 1024 }),
        fc.option(fc.constantFrom('jpg', 'docx', 'ts', 'json', 'm4a'), { nil: undefined }),
        (magic, tail, ext) => {
          const head = bytes(magic, tail);
          const sniffed = sniffBytes(head, ext);
          expect(typeof sniffed.mime).toBe('string');
          const info = imageInfo(head);
          if (info !== null) {
            expect(info.width).toBeGreaterThan(0);
            expect(info.height).toBeGreaterThan(0);
            expect(info.orientation === null || (info.orientation >= 1 && info.orientation <= 8)).toBe(true);
          }
        },
      ),
      { numRuns: 20_000 },
    );
  });
});

describe('sniffFile', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeAll(() => {
    temp = makeTempDir();
  });
  afterAll(() => temp.cleanup());

  const write = (name: string, data: Uint8Array) => {
    const file = path.join(temp.dir, name);
    fs.writeFileSync(file, data);
    return file;
  };
  const sniffPath = (file: string) => sniffFile(file, fs.statSync(file).size);

  /** A JPEG with `appBytes` of APP15 segments before its frame header. */
  const paddedJpeg = (appBytes: number) => {
    const app = segment(0xef, pseudoRandomBytes(65_533));
    const count = Math.ceil(appBytes / app.length);
    return bytes(
      [0xff, 0xd8],
      exifApp1(6),
      ...Array.from({ length: count }, () => app),
      sof(0xc0, 123, 45),
      [0xff, 0xd9],
    );
  };

  it('reads on up to 4 MiB for a JPEG frame header, in steps', async () => {
    expect(await sniffPath(write('3mib.jpg', paddedJpeg(3 * 1024 * 1024)))).toEqual({
      mime: 'image/jpeg',
      kind: 'image',
      width: 123,
      height: 45,
      orientation: 6,
    });
    expect(await sniffPath(write('5mib.jpg', paddedJpeg(5 * 1024 * 1024)))).toEqual({
      mime: 'image/jpeg',
      kind: 'image',
    });
  });

  it('does not read past the size it is given', async () => {
    const file = write('stat-was-smaller.jpg', paddedJpeg(200 * 1024));
    expect(await sniffFile(file, 64 * 1024)).toEqual({ mime: 'image/jpeg', kind: 'image' });
    expect(await sniffFile(file, 5)).toEqual({ mime: 'image/jpeg', kind: 'image' });
    expect(await sniffFile(file, 2)).toEqual({ mime: 'application/octet-stream', kind: 'unknown' });
    expect(await sniffFile(file, 0)).toEqual({ mime: 'application/x-empty', kind: 'unknown' });
  });

  it('never throws on truncated images', async () => {
    const jpeg = paddedJpeg(300 * 1024);
    for (const length of [0, 1, 3, 4, 100, 65_535, 65_536, 65_537, 200_000, jpeg.length - 10]) {
      const file = write(`cut-${length}.jpg`, jpeg.subarray(0, length));
      const found = await sniffFile(file, length);
      expect(found.width === undefined || found.width === 123, `${length}`).toBe(true);
    }
  });

  it('types non-image files from their bytes and name', async () => {
    const db = new Database(path.join(temp.dir, 'library.db'));
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(await sniffPath(path.join(temp.dir, 'library.db'))).toEqual({
      mime: 'application/vnd.sqlite3',
      kind: 'database',
    });
    expect(await sniffPath(write('data.json', text('{"ok": true}\n')))).toEqual({
      mime: 'application/json',
      kind: 'code',
    });
    expect(await sniffPath(write('notes', text('# not markdown without the name\n')))).toEqual({
      mime: 'text/plain',
      kind: 'text',
    });
    expect(await sniffPath(write('a.txt.gz', gzipSync(text('hello'))))).toEqual({
      mime: 'application/gzip',
      kind: 'archive',
    });
    expect(await sniffPath(write('.hidden', text('x=1\n')))).toEqual({ mime: 'text/plain', kind: 'text' });
    const node = await sniffPath(process.execPath);
    expect(node.kind).toBe('executable');
  });

  it('takes a path as bytes, not UTF-8', async () => {
    const name = Buffer.concat([Buffer.from(`${temp.dir}/caf`), Buffer.from([0xe9]), Buffer.from('.json')]);
    fs.writeFileSync(name, '[1, 2]');
    expect(await sniffFile(name, 6)).toEqual({ mime: 'application/json', kind: 'code' });
  });

  it('lets fs errors through as they are', async () => {
    await expect(sniffFile(path.join(temp.dir, 'missing.jpg'), 10)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(sniffFile(temp.dir, 4096)).rejects.toMatchObject({ code: 'EISDIR' });
  });

  // As an unprivileged user: root reads a file without permissions anyway.
  it('lets EACCES through as it is', () => {
    const locked = write('locked.png', text('secret'));
    fs.chmodSync(locked, 0o000);
    fs.chmodSync(temp.dir, 0o755);
    const code = runUnprivileged(
      (dist) => `import { sniffFile } from ${dist('jobs/content/sniff.js')};
        await sniffFile(${JSON.stringify(locked)}, 6).then(() => console.log('read'), (e) => console.log(e.code));`,
    );
    expect(code).toBe('EACCES');
  });
});
