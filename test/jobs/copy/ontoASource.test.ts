import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CopyInput } from '../../../src/jobs/copy/types.js';
import { tempDir } from '../../machines/helpers.js';
import { start, workspace } from './copyWorkspace.js';
import { snapshot } from './tree.js';

/**
 * A copy or move whose target (`destination/basename(source)` into a directory, else the destination) is a
 * source's ancestor would write into the tree it reads: `x/d/d` copied into `x` merges with `x/d`, and with
 * `--on-conflict overwrite` it overwrote `x/d/d/g` with `x/d/d/d/g` before reading it (a source's data gone).
 * It is refused before anything is written, by path and by real path.
 */

/** x/d/d/g = G1, x/d/d/d/g = G2. */
function nested() {
  const x = path.join(tempDir(), 'x');
  fs.mkdirSync(path.join(x, 'd', 'd', 'd'), { recursive: true });
  fs.writeFileSync(path.join(x, 'd', 'd', 'g'), 'G1');
  fs.writeFileSync(path.join(x, 'd', 'd', 'd', 'g'), 'G2');
  return x;
}

async function expectRefused(input: CopyInput, tree: string) {
  const ws = workspace();
  const before = snapshot(tree);
  const result = await start(ws, input).result;
  expect(result.status).toBe('failed');
  expect(result.failure?.name).toBe('CopyRefusedError');
  expect(result.failure?.message).toMatch(
    /holds the source .*Nothing was written\. Choose a destination outside/,
  );
  expect(snapshot(tree)).toEqual(before); // nothing written, no temporary file
}

describe('copy: a target that holds a source is refused before anything is written', () => {
  for (const move of [false, true]) {
    for (const batchSize of [1, 1000]) {
      it(`${move ? 'move' : 'copy'} x/d/d into x (merging with x/d), --on-conflict overwrite, batch ${batchSize}`, async () => {
        const x = nested();
        await expectRefused(
          { sources: [path.join(x, 'd', 'd')], destination: x, onConflict: 'overwrite', move, batchSize },
          x,
        );
        expect(fs.readFileSync(path.join(x, 'd', 'd', 'g'), 'utf8')).toBe('G1');
      });
    }
  }

  it('through a symlinked destination (real paths compared)', async () => {
    const x = nested();
    const link = path.join(path.dirname(x), 'link-to-x');
    fs.symlinkSync(x, link);
    await expectRefused({ sources: [path.join(x, 'd', 'd')], destination: link, onConflict: 'overwrite' }, x);
  });

  it('a source named through a symlinked directory (real paths compared)', async () => {
    const x = nested();
    const y = path.join(path.dirname(x), 'y');
    fs.symlinkSync(x, y);
    await expectRefused({ sources: [path.join(y, 'd', 'd')], destination: x, onConflict: 'overwrite' }, x);
  });

  it("one source's target holding another source", async () => {
    const base = tempDir();
    fs.mkdirSync(path.join(base, 'p', 'a'), { recursive: true });
    fs.writeFileSync(path.join(base, 'p', 'a', 'inner'), 'from p');
    fs.mkdirSync(path.join(base, 'D', 'a'), { recursive: true });
    fs.writeFileSync(path.join(base, 'D', 'a', 'inner'), 'the other source');
    await expectRefused(
      {
        sources: [path.join(base, 'p', 'a'), path.join(base, 'D', 'a', 'inner')],
        destination: path.join(base, 'D'),
        onConflict: 'overwrite',
      },
      base,
    );
  });

  it('a target beside the sources is not refused', async () => {
    const x = nested();
    const ws = workspace();
    const result = await start(ws, { sources: [path.join(x, 'd', 'd')], destination: path.join(x, 'd', 'e') })
      .result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(fs.readFileSync(path.join(x, 'd', 'e', 'd', 'g'), 'utf8')).toBe('G2');
  });
});
