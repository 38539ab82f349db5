import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { lastJson, phasekit, requireBuiltCli } from '../../e2e/phasekitProcess.js';
import { tempDir } from '../../machines/helpers.js';
import { canMount, start, tmpfs, workspace } from './copyWorkspace.js';
import { leftovers } from './tree.js';

/**
 * A move across devices that keeps a source (it changed after its copy was put in place) leaves its copy at
 * the destination and reports the path — and drops the copy's temporary name (its witness) like any other
 * once the item is checkpointed, in one run or after a kill and resume. It used to stay for good.
 */

/** A directory on another device than the temp dir (a move there copies, verifies and removes). */
function otherDevice(): string {
  if (canMount) return tmpfs('16m', 1000);
  const dir = fs.mkdtempSync('/dev/shm/phasekit-');
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function source() {
  const src = path.join(tempDir(), 'src');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'a.txt'), 'version 1');
  fs.writeFileSync(path.join(src, 'b.txt'), 'b');
  return src;
}

describe('move: a source kept after its copy was placed leaves no temporary name', () => {
  beforeAll(() => requireBuiltCli());

  it('the source edited right after its copy took its name', async () => {
    const ws = workspace();
    const src = source();
    const dest = path.join(otherDevice(), 'dest');
    const run = start(
      ws,
      { sources: [src], destination: dest, move: true },
      {
        afterPlace: (item) =>
          void (
            item.src.toString().endsWith('a.txt') && fs.appendFileSync(path.join(src, 'a.txt'), ' + edits')
          ),
      },
    );
    const result = await run.result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(result.output).toMatchObject({ failed: 1, sourcesRemoved: 1 });
    expect(fs.readFileSync(path.join(src, 'a.txt'), 'utf8')).toBe('version 1 + edits');
    expect(fs.readFileSync(path.join(dest, 'a.txt'), 'utf8')).toBe('version 1');
    expect(leftovers(dest)).toEqual([]);
  });

  it('killed right after the copy took its name, the source edited while stopped, resumed (CLI)', () => {
    if (fs.statSync('/dev/shm').dev === fs.statSync(tempDir()).dev) return;
    const src = source();
    const shm = fs.mkdtempSync('/dev/shm/phasekit-');
    onTestFinished(() => fs.rmSync(shm, { recursive: true, force: true }));
    const dest = path.join(shm, 'dest');
    const library = path.join(tempDir(), 'lib.db');
    const killed = phasekit(['copy', '--move', src, dest, '--library', library, '--json'], {
      env: { PHASEKIT_TEST_COPY_HOOK: 'kill-after-place:1' },
    });
    expect(killed.code, killed.stdout + killed.stderr).toBe(null); // SIGKILLed by the hook
    const id = /"jobId":"([0-9a-f-]{36})"/.exec(killed.stdout)![1];
    const placed = ['a.txt', 'b.txt'].find((n) => fs.existsSync(path.join(dest, n)))!;
    fs.appendFileSync(path.join(src, placed), ' + edits');
    const resumed = phasekit(['resume', id, '--library', library, '--json']);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(1); // a path could not be moved
    expect(lastJson(resumed.stdout).output).toMatchObject({ failed: 1, sourcesRemoved: 1 });
    expect(fs.readFileSync(path.join(src, placed), 'utf8')).toMatch(/ \+ edits$/);
    expect(leftovers(dest)).toEqual([]);
  });
});
