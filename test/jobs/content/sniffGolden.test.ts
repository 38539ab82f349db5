/**
 * The sniffers give, on every fixture of the sniffing tests, what the hand-written sniffers gave before
 * `file-type`, `mime-types` and `sharp` replaced them (`sniffGolden.json`, recorded from the hand-written
 * code in the tree of commit f2c8027), except where a {@link CHANGES} entry says why; the new results of
 * those are in `sniffChanged.json`, so that they cannot drift either.
 *
 * Record the old results again (from a checkout of f2c8027 with these test files copied in):
 * `RECORD_SNIFF_GOLDEN=1 npx vitest run test/jobs/content/sniffGolden.test.ts`. Record the changed ones (here):
 * `RECORD_SNIFF_CHANGED=1 npx vitest run test/jobs/content/sniffGolden.test.ts`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeTempDir } from '../makeTempDir.js';
import { type Results, sniffResults } from './sniffResults.js';

const GOLDEN = path.join(import.meta.dirname, 'sniffGolden.json');
const CHANGED = path.join(import.meta.dirname, 'sniffChanged.json');

/** The results that differ from the recorded ones on purpose, by case name, and why (docs/jobs/indexer.md). */
const CHANGES: readonly (readonly [cases: RegExp, why: string])[] = [
  [
    /^((bytes|file) magic (png|jpeg 2000|woff2)|bytes header tiff cut in height)$/,
    'Heads of a signature and zeros: file-type checks past the signature (a PNG IHDR chunk, a JPEG 2000 ' +
      'ftyp box, a WOFF2 flavour, a TIFF first directory), so they are binary data. Real files are typed.',
  ],
  [
    /^(bytes|file) (magic (docx|xlsx|pptx|apk)|refine word document named \.zip)$/,
    'A zip is an Office document when its [Content_Types].xml says so (file-type; the case "docx whose ' +
      '[Content_Types].xml names its main part" is one), no longer when an entry name merely starts word/, ' +
      'xl/ or ppt/; an APK by its manifest name alone is a zip. A zip named .docx or .apk is still typed by name.',
  ],
  [
    /^(bytes|file) magic deb \(ar\)$/,
    'More specific: file-type reads the ar archive first member, debian-binary.',
  ],
  [
    /^(bytes|file) magic heif with an heic brand$/,
    'file-type goes by the major brand (mif1: image/heif), not by a compatible heic brand.',
  ],
  [
    /^(bytes|file) other lone MPEG frame then junk$/,
    'file-type takes one MPEG audio frame header for MP3; the hand-written sniffer wanted the next one too.',
  ],
  [
    /^(bytes|file) header bmp unknown header$/,
    'file-type takes BM for a BMP whatever its DIB header size (the size is still not read from it).',
  ],
  [
    /^file header (png|gif|webp|jpeg|tiff) /,
    'Hand-made headers with no image data after them (fixtures of the removed header parsers): libvips ' +
      'loads whole images only, so sharp gives no size. Real images of every format are read (the "image" cases).',
  ],
  [
    /^file image avif orientation [2-8]$/,
    'HEIF: sharp (libheif) applies irot and imir, so the size is as shown and there is no orientation; ' +
      'the hand-written reader gave the stored size and the equivalent Exif orientation. Shown sizes are equal.',
  ],
  [
    /^file jpeg, frame header after 5 MiB$/,
    'sharp reads the file as far as the frame header is (the hand-written reader stopped at 4 MiB).',
  ],
  [
    /^(type|kind) of "(woff2?|otf|ttf|ttc|eot|mp2|m3u8|webmanifest|odg|pages|key|numbers|heics|jxr|wmf|emf|dmg|lzh|arj|cpio|ics|vcf|eml|mbox|pem|crt|asc|torrent|blend|xyz)"$/,
    'Extensions the hand-written table did not know have mime-db type now, and the kind of that type.',
  ],
];

let temp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  temp = makeTempDir();
});
afterAll(() => temp.cleanup());

const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Results;
const write = (file: string, results: Results) =>
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);

it('gives the recorded results on every fixture, but for the documented changes', async () => {
  const found = JSON.parse(JSON.stringify(await sniffResults(temp.dir))) as Results;
  if (process.env.RECORD_SNIFF_GOLDEN === '1') return write(GOLDEN, found);
  const recorded = read(GOLDEN);
  expect(Object.keys(found).sort()).toEqual(Object.keys(recorded).sort());
  const differing = Object.keys(found).filter(
    (key) => JSON.stringify(found[key]) !== JSON.stringify(recorded[key]),
  );
  if (process.env.RECORD_SNIFF_CHANGED === '1') {
    return write(CHANGED, Object.fromEntries(differing.map((key) => [key, found[key]])));
  }
  const why = (key: string) => CHANGES.filter(([cases]) => cases.test(key)).map(([, reason]) => reason);
  // Every difference has exactly one reason, and is the recorded new result.
  expect(differing.filter((key) => why(key).length !== 1)).toEqual([]);
  const changed = read(CHANGED);
  expect(Object.fromEntries(differing.map((key) => [key, found[key]]))).toEqual(changed);
  // Every reason still explains something.
  expect(CHANGES.filter(([cases]) => !differing.some((key) => cases.test(key))).map(([, r]) => r)).toEqual(
    [],
  );
}, 60_000);
