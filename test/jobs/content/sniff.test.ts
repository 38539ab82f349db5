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
import { makeTempDir } from '../makeTempDir.js';
import { runUnprivileged } from '../unprivileged.js';
import {
  be32,
  bytes,
  ftyp,
  le16,
  le32,
  magicCases,
  paddedJpeg,
  recipes,
  refineCases,
  text,
  textCases,
  zeros,
} from './sniffCorpus.js';
import { mp3Frame } from './sniffCorpus.js';

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
  /**
   * What changed with file-type, case by case (the reasons are in sniffGolden.test.ts): a signature
   * followed by zeros is not enough for it, a zip is an Office document by its [Content_Types].xml.
   */
  const changed: Record<string, readonly [string, ContentKind]> = {
    png: ['application/octet-stream', 'unknown'],
    'jpeg 2000': ['application/octet-stream', 'unknown'],
    woff2: ['application/octet-stream', 'unknown'],
    'heif with an heic brand': ['image/heif', 'image'],
    docx: ['application/zip', 'archive'],
    xlsx: ['application/zip', 'archive'],
    pptx: ['application/zip', 'archive'],
    apk: ['application/zip', 'archive'],
    'deb (ar)': ['application/vnd.debian.binary-package', 'archive'],
  };
  const cases = magicCases().map(([name, head, mime, kind]) => {
    const [m, k] = changed[name] ?? [mime, kind];
    return [name, head, m, k] as const;
  });
  it('changes only what it says it changes', () => {
    const names = new Set(magicCases().map(([name]) => name));
    expect(Object.keys(changed).filter((name) => !names.has(name))).toEqual([]);
  });
  it.each(cases)('%s', async (_, head, mime, kind) => {
    expect(await sniffBytes(head)).toEqual({ mime, kind });
  });

  it('types a PNG, a JPEG 2000 and a docx by more than their first bytes', async () => {
    const png = bytes('\x89PNG\r\n\x1a\n', be32(13), 'IHDR', be32(1), be32(1), [8, 2, 0, 0, 0], zeros(4));
    expect(await sniffBytes(png)).toEqual({ mime: 'image/png', kind: 'image' });
    const jp2 = bytes([0, 0, 0, 12], 'jP  \r\n\x87\n', be32(20), 'ftypjp2 ', zeros(4), 'jp2 ', zeros(8));
    expect(await sniffBytes(jp2)).toEqual({ mime: 'image/jp2', kind: 'image' });
  });

  it('takes one MPEG audio frame header for MP3 (as file-type does)', async () => {
    expect(await sniffBytes(bytes(mp3Frame(), [1, 2, 3, 4]))).toEqual({ mime: 'audio/mpeg', kind: 'audio' });
  });
});

describe('sniffBytes: text', () => {
  it.each(textCases())('%s', async (_, head, ext, mime, kind) => {
    expect(await sniffBytes(head, ext)).toEqual({ mime, kind });
  });

  it('accepts a multi-byte character cut by the end of the head', async () => {
    const head = text('caf\u00e9 \u4e16');
    expect(await sniffBytes(head.subarray(0, head.length - 1))).toEqual({ mime: 'text/plain', kind: 'text' });
    expect(await sniffBytes(head.subarray(0, head.length - 2))).toEqual({ mime: 'text/plain', kind: 'text' });
  });

  it('is not text with a NUL, a binary control byte or invalid UTF-8', async () => {
    const binary = { mime: 'application/octet-stream', kind: 'unknown' };
    expect(await sniffBytes(text('abc\0def'), 'txt')).toEqual(binary);
    expect(await sniffBytes(text('abc\x01def'), 'txt')).toEqual(binary);
    expect(await sniffBytes(bytes('abc', [0xc3, 0x28], 'def'), 'txt')).toEqual(binary);
    expect(await sniffBytes(bytes('abc', [0xed, 0xa0, 0x80]), 'txt')).toEqual(binary); // a UTF-16 surrogate
  });

  it('allows tabs, form feeds and ANSI escapes', async () => {
    expect(await sniffBytes(text('a\tb\r\n\f\x1b[31mred\x1b[0m\n'))).toEqual({
      mime: 'text/plain',
      kind: 'text',
    });
  });

  it('takes UTF-16 with a byte order mark for text, not for MPEG audio', async () => {
    expect(await sniffBytes(bytes([0xff, 0xfe], Buffer.from('hello', 'utf16le')))).toEqual({
      mime: 'text/plain',
      kind: 'text',
    });
    expect(await sniffBytes(bytes([0xfe, 0xff], Buffer.from('hi', 'utf16le').swap16()), 'md')).toEqual({
      mime: 'text/markdown',
      kind: 'text',
    });
  });
});

describe('sniffBytes: the extension refines generic containers only', () => {
  const ole = bytes('\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1', zeros(24));
  const mp4 = ftyp('isom', 'isom', 'mp41');
  // A zip is a Word document by its [Content_Types].xml now, not by an entry named word/... (sniffGolden.test.ts).
  const cases = refineCases().map(([name, head, ext, mime]) =>
    name === 'word document named .zip'
      ? ([name, head, ext, 'application/zip'] as const)
      : ([name, head, ext, mime] as const),
  );
  it.each(cases)('%s', async (_, head, ext, mime) => {
    expect((await sniffBytes(head, ext)).mime).toBe(mime);
  });

  it('gives the extension kind with the extension type', async () => {
    expect(await sniffBytes(mp4, 'm4a')).toEqual({ mime: 'audio/mp4', kind: 'audio' });
    expect(await sniffBytes(ole, 'xls')).toEqual({ mime: 'application/vnd.ms-excel', kind: 'document' });
  });
});

describe('imageInfo: BMP and ICO headers (which sharp does not read)', () => {
  it('reads BMP headers, top-down ones included', async () => {
    const bmp = (header: number, width: number, height: number) =>
      bytes('BM', zeros(12), le32(header), le32(width), le32(height >>> 0), zeros(28));
    expect(await imageInfo(bmp(40, 640, 480))).toEqual({ width: 640, height: 480, orientation: null });
    expect(await imageInfo(bmp(124, 640, -480))).toEqual({ width: 640, height: 480, orientation: null });
    expect(await imageInfo(bytes('BM', zeros(12), le32(12), le16(64), le16(32), zeros(4)))).toMatchObject({
      width: 64,
      height: 32,
    });
    expect(await imageInfo(bmp(40, -640, 480))).toBeNull();
    expect(await imageInfo(bmp(41, 640, 480))).toBeNull();
  });

  it('reads the largest ICO entry (0 meaning 256)', async () => {
    const entry = (w: number, h: number) => bytes([w, h, 0, 0], le16(1), le16(32), le32(100), le32(38));
    expect(await imageInfo(bytes([0, 0, 1, 0], le16(2), entry(16, 16), entry(0, 0)))).toEqual({
      width: 256,
      height: 256,
      orientation: null,
    });
  });

  it('gives null for bytes that are no image', async () => {
    expect(await imageInfo(text('hello'))).toBeNull();
    expect(await imageInfo(new Uint8Array(0))).toBeNull();
    expect(await imageInfo(ftyp('isom', 'isom'))).toBeNull();
  });
});

/** An image made with sharp, its bytes and what sharp reads back from them. */
interface Sample {
  readonly name: string;
  readonly data: Buffer;
  readonly file: string;
  readonly meta: Metadata;
}

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
      // Sizes as sharp reads them, and as shown once the orientation is applied.
      const quarterTurn = (found.orientation ?? 1) >= 5;
      const shown = quarterTurn
        ? { width: found.height, height: found.width }
        : { width: found.width, height: found.height };
      expect(shown, name).toEqual(meta.autoOrient);
      // HEIF comes with its transformations applied (size as shown, no orientation), as sharp reads it.
      expect({ width: found.width, height: found.height }, name).toEqual({
        width: meta.width,
        height: meta.height,
      });
      expect(found.orientation ?? null, name).toBe(meta.orientation ?? null);
      if (format === 'avif') expect(found.orientation, name).toBeUndefined();
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

  it('measures an image whose head is not enough from the file itself', async () => {
    const head = (name: string) => samples.find((s) => s.name === name)!.data.subarray(0, 64 * 1024);
    // What the first 64 KiB alone give, which sniffFile completes (the test above) by letting sharp read the file.
    expect(await imageInfo(head('jpeg with a 940 KiB ICC profile before the frame header'))).toBeNull();
    expect(await imageInfo(head('tiff 640x480, IFD0 after 125 KB of image'))).toBeNull();
    expect(await imageInfo(head('webp orientation 8, EXIF after 130 KB of image'))).toBeNull();
    expect(await imageInfo(head('jpeg with a 60 KB Exif block'))).toMatchObject({ width: 64, height: 48 });
  });

  it('sniffBytes and imageInfo agree with the whole files', async () => {
    for (const { name, data, meta } of samples) {
      expect((await sniffBytes(data, 'bin')).mime, name).toBe(MIMES[name.split(' ')[0]]);
      expect(await imageInfo(data), name).toEqual({
        width: meta.width,
        height: meta.height,
        orientation: meta.orientation ?? null,
      });
    }
  });

  it('imageInfo and sniffBytes never reject on cuts of real images; what imageInfo finds is right', async () => {
    for (const { name, data } of samples) {
      const full = await imageInfo(data);
      await fc.assert(
        fc.asyncProperty(fc.nat(Math.min(data.length, 200_000)), async (length) => {
          const found = await imageInfo(data.subarray(0, length));
          if (found !== null) {
            expect({ width: found.width, height: found.height }, name).toEqual({
              width: full?.width,
              height: full?.height,
            });
          }
          await sniffBytes(data.subarray(0, length));
        }),
        { numRuns: 40 },
      );
    }
  });

  it('imageInfo and sniffBytes never reject on real headers with random bytes changed', async () => {
    const heads = samples.map((s) => s.data.subarray(0, 4096));
    await fc.assert(
      fc.asyncProperty(
        fc.nat(heads.length - 1),
        fc.array(fc.tuple(fc.nat(4095), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        async (which, changes) => {
          const head = Buffer.from(heads[which]);
          for (const [at, value] of changes) if (at < head.length) head[at] = value;
          await imageInfo(head);
          await sniffBytes(head, 'jpg');
        },
      ),
      { numRuns: 500 },
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
  it('with or without a magic number in front', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.constantFrom(...magics), { nil: '' }),
        fc.uint8Array({ maxLength: 1024 }),
        fc.option(fc.constantFrom('jpg', 'docx', 'ts', 'json', 'm4a'), { nil: undefined }),
        async (magic, tail, ext) => {
          const head = bytes(magic, tail);
          const sniffed = await sniffBytes(head, ext);
          expect(typeof sniffed.mime).toBe('string');
          const info = await imageInfo(head);
          if (info !== null) {
            expect(info.width).toBeGreaterThan(0);
            expect(info.height).toBeGreaterThan(0);
            expect(info.orientation === null || (info.orientation >= 1 && info.orientation <= 8)).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
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

  const padded = { mime: 'image/jpeg', kind: 'image', width: 123, height: 45, orientation: 6 };

  it('measures a JPEG whose frame header lies megabytes into the file (sharp reads the file)', async () => {
    expect(await sniffPath(write('3mib.jpg', await paddedJpeg(3 * 1024 * 1024)))).toEqual(padded);
    expect(await sniffPath(write('5mib.jpg', await paddedJpeg(5 * 1024 * 1024)))).toEqual(padded);
  });

  it('does not read past the size it is given when that fits in the head', async () => {
    const file = write('stat-was-smaller.jpg', await paddedJpeg(200 * 1024));
    expect(await sniffFile(file, 64 * 1024)).toEqual({ mime: 'image/jpeg', kind: 'image' });
    expect(await sniffFile(file, 5)).toEqual({ mime: 'image/jpeg', kind: 'image' });
    expect(await sniffFile(file, 2)).toEqual({ mime: 'application/octet-stream', kind: 'unknown' });
    expect(await sniffFile(file, 0)).toEqual({ mime: 'application/x-empty', kind: 'unknown' });
  });

  it('never throws on truncated images', async () => {
    const jpeg = await paddedJpeg(300 * 1024);
    for (const length of [0, 1, 3, 4, 100, 65_535, 65_536, 65_537, 200_000, jpeg.length - 10]) {
      const file = write(`cut-${length}.jpg`, jpeg.subarray(0, length));
      const found = await sniffFile(file, length);
      expect(found.width === undefined || found.width === 123, `${length}`).toBe(true);
    }
  });

  it('types a TIFF whose first directory is past the head, with random access to the file', async () => {
    const tiff = await sharp({
      create: {
        width: 640,
        height: 480,
        channels: 3,
        noise: { type: 'gaussian', mean: 128, sigma: 30 },
        background: '#000',
      },
    })
      .tiff()
      .toBuffer();
    expect(tiff.readUInt32LE(4)).toBeGreaterThan(64 * 1024);
    expect(await sniffPath(write('late-ifd.tif', tiff))).toEqual({
      mime: 'image/tiff',
      kind: 'image',
      width: 640,
      height: 480,
      orientation: 1,
    });
  });

  it('reads the size of the file it opened, not of one sniffed before under the same descriptor', async () => {
    // libvips caches metadata by file name, and /proc/self/fd/N names are reused: sniffing turns that cache off.
    const big = (width: number) =>
      sharp({
        create: {
          width,
          height: 200,
          channels: 3,
          noise: { type: 'gaussian', mean: 128, sigma: 30 },
          background: '#000',
        },
      })
        .webp({ lossless: true })
        .toBuffer();
    const first = write('first.webp', await big(333));
    const second = write('second.webp', await big(334));
    expect(fs.statSync(first).size).toBeGreaterThan(64 * 1024);
    expect((await sniffPath(first)).width).toBe(333);
    expect((await sniffPath(second)).width).toBe(334);
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
