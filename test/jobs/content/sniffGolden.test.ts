/**
 * The sniffers give, on every fixture of the sniffing tests, what the hand-written sniffers gave before
 * `file-type`, `mime-types` and `sharp` replaced them (recorded in `sniffGolden.json` from the hand-written
 * code, commit "Record the hand-written sniffers' results"), except where `CHANGED` says otherwise and why.
 *
 * Record again (only to take a deliberate change): `RECORD_SNIFF_GOLDEN=1 npx vitest run test/jobs/content/sniffGolden.test.ts`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeTempDir } from '../makeTempDir.js';
import { type Results, sniffResults } from './sniffResults.js';

const GOLDEN = path.join(import.meta.dirname, 'sniffGolden.json');

/** Results that differ from the recorded ones on purpose: case → the new result (see docs/jobs/indexer.md). */
const CHANGED: Results = {};

let temp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  temp = makeTempDir();
});
afterAll(() => temp.cleanup());

it('gives the recorded results on every fixture, but for the documented changes', async () => {
  const found = JSON.parse(JSON.stringify(await sniffResults(temp.dir))) as Results;
  if (process.env.RECORD_SNIFF_GOLDEN === '1') {
    fs.writeFileSync(GOLDEN, `${JSON.stringify(found, null, 1)}\n`);
    return;
  }
  const recorded = JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) as Results;
  expect(Object.keys(found).sort()).toEqual(Object.keys(recorded).sort());
  const expected = { ...recorded, ...CHANGED };
  const differing = Object.keys(found).filter(
    (key) => JSON.stringify(found[key]) !== JSON.stringify(expected[key]),
  );
  expect(
    Object.fromEntries(differing.map((key) => [key, { expected: expected[key], found: found[key] }])),
  ).toEqual({});
}, 60_000);
