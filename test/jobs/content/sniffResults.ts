/**
 * What the sniffers say about every fixture of the sniffing tests, as one JSON-able record keyed by case:
 * `sniffBytes` on each head (with its extension), `sniffFile` on each head written as a file (named with
 * its extension) and on each image made by sharp, and the meaning of every extension. `sniffGolden.test.ts`
 * compares this with the record taken from the hand-written sniffers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { typeOfExtension } from '../../../src/jobs/content/kindOfExtension.js';
import { kindOfExtension, sniffBytes, sniffFile } from '../../../src/jobs/content/sniff.js';
import {
  EXTENSIONS,
  headerCases,
  magicCases,
  otherCases,
  paddedJpeg,
  recipes,
  refineCases,
  text,
  textCases,
} from './sniffCorpus.js';

export type Results = Record<string, unknown>;

/** The results on every fixture, with files written under `dir`. */
export async function sniffResults(dir: string): Promise<Results> {
  const out: Results = {};
  let n = 0;
  const file = async (key: string, data: Uint8Array, ext: string | null, size = data.length) => {
    const name = path.join(dir, `f${n++}${ext === null ? '' : `.${ext}`}`);
    fs.writeFileSync(name, data);
    out[`file ${key}`] = await sniffFile(name, size).catch((e) => `throws ${e.code ?? e.message}`);
  };
  const heads: [string, Uint8Array, string | null][] = [
    ...magicCases().map(([name, head]): [string, Uint8Array, null] => [`magic ${name}`, head, null]),
    ...textCases().map(([name, head, ext]): [string, Uint8Array, string | null] => [
      `text ${name}`,
      head,
      ext,
    ]),
    ...refineCases().map(([name, head, ext]): [string, Uint8Array, string | null] => [
      `refine ${name}`,
      head,
      ext,
    ]),
    ...otherCases().map(([name, head, ext]): [string, Uint8Array, string | null] => [
      `other ${name}`,
      head,
      ext,
    ]),
    ...headerCases().map(([name, head]): [string, Uint8Array, null] => [`header ${name}`, head, null]),
  ];
  for (const [key, head, ext] of heads) {
    out[`bytes ${key}`] = await sniffBytes(head, ext);
    await file(key, head, ext);
  }
  for (const [name, make] of Object.entries(recipes)) {
    const data = await make();
    out[`bytes image ${name}`] = await sniffBytes(data, 'bin');
    await file(`image ${name}`, data, name.split(' ')[0]);
  }
  await file('jpeg, frame header after 3 MiB', await paddedJpeg(3 * 1024 * 1024), 'jpg');
  await file('jpeg, frame header after 5 MiB', await paddedJpeg(5 * 1024 * 1024), 'jpg');
  const jpeg = await paddedJpeg(300 * 1024);
  for (const length of [0, 1, 3, 4, 100, 65_535, 65_536, 65_537, 200_000, jpeg.length - 10]) {
    await file(`jpeg cut at ${length}`, jpeg.subarray(0, length), 'jpg');
  }
  const big = await paddedJpeg(200 * 1024);
  for (const size of [64 * 1024, 5, 2, 0]) await file(`jpeg, stat says ${size}`, big, 'jpg', size);
  const db = path.join(dir, 'library.db');
  const sqlite = new Database(db);
  sqlite.exec('CREATE TABLE t (x)');
  sqlite.close();
  out['file sqlite database'] = await sniffFile(db, fs.statSync(db).size);
  await file('json', text('{"ok": true}\n'), 'json');
  await file('gzip named .gz', gzipSync(text('hello')), 'gz');
  const node = fs.readFileSync(process.execPath).subarray(0, 64 * 1024);
  out['bytes node executable'] = await sniffBytes(node, null);
  for (const ext of EXTENSIONS) {
    out[`kind of ${JSON.stringify(ext)}`] = kindOfExtension(ext);
    out[`type of ${JSON.stringify(ext)}`] = typeOfExtension(ext) ?? null;
  }
  return out;
}
