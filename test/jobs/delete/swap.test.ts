import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeleteMode } from '../../../src/jobs/delete/types.js';
import { deleteJob } from '../../../src/jobs/delete/deleteJob.js';
import { resumeJob, runJob } from '../../../src/index.js';
import { tempDir } from '../../machines/helpers.js';
import { del, fingerprint, workspace } from './workspace.js';

/** tree/ with sub/ (files and a deeper dir) and siblings; outside/ with files that must survive. */
function setup() {
  const base = tempDir();
  const tree = path.join(base, 'tree');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(tree, 'sub/deeper'), { recursive: true });
  for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(tree, `sub/f${i}`), `tree file ${i}`);
  fs.writeFileSync(path.join(tree, 'sub/deeper/g'), 'g');
  fs.writeFileSync(path.join(tree, 'top.txt'), 'top');
  fs.mkdirSync(path.join(outside, 'inner'), { recursive: true });
  for (let i = 0; i < 5; i++)
    fs.writeFileSync(path.join(outside, `precious${i}`), `precious ${i}\n`.repeat(100));
  fs.writeFileSync(path.join(outside, 'inner/deep-precious'), 'deep');
  return { base, tree, outside, before: fingerprint(outside) };
}

describe('delete: a directory swapped mid-run', () => {
  for (const mode of ['permanent', 'secure'] as DeleteMode[]) {
    it(`${mode}: tree/sub replaced by a symlink to outside/ just before it is entered — outside/ is untouched, the swap is reported`, async () => {
      const ws = workspace();
      const { base, tree, outside, before } = setup();
      const sub = path.join(tree, 'sub');
      let swapped = 0;
      const { result } = await del(
        ws,
        { paths: [tree], mode, confirm: true, passes: 1 },
        {
          beforeOpenDir: (p) => {
            if (p.toString() !== sub) return;
            fs.renameSync(sub, path.join(base, 'sub-moved-away'));
            fs.symlinkSync(outside, sub);
            swapped++;
          },
        },
      );
      expect(swapped).toBe(1);
      expect(result.status).toBe('completed');
      expect(fingerprint(outside)).toEqual(before);
      expect(result.output!.failed).toBe(1);
      expect(result.errors.map((e) => e.message)).toEqual([
        expect.stringMatching(new RegExp(`^Left ${sub} alone: it was replaced`)),
      ]);
      // The rest of the tree went; the symlink (in place of sub) stays, and so does tree/.
      expect(fs.readdirSync(tree)).toEqual(['sub']);
      expect(fs.readlinkSync(sub)).toBe(outside);
      expect(result.output).toMatchObject({ files: 1, dirs: 0 });
    });

    it(`${mode}: tree/sub replaced by outside/ itself (a real directory moved in) — its files are not touched`, async () => {
      const ws = workspace();
      const { base, tree, before } = setup();
      const sub = path.join(tree, 'sub');
      const { result } = await del(
        ws,
        { paths: [tree], mode, confirm: true, passes: 1 },
        {
          beforeOpenDir: (p) => {
            if (p.toString() !== sub) return;
            fs.renameSync(sub, path.join(base, 'sub-moved-away'));
            fs.renameSync(path.join(base, 'outside'), sub);
          },
        },
      );
      expect(result.status).toBe('completed');
      expect(fingerprint(sub)).toEqual(before);
      expect(result.output!.failed).toBe(1);
      expect(result.errors[0].message).toMatch(/alone: it was replaced \(another directory is there now\)/);
    });
  }

  it('a target replaced by another directory while the job is paused is left alone on resume', async () => {
    const ws = workspace();
    const { base, tree, outside, before } = setup();
    const input = { paths: [tree], mode: 'permanent' as const, confirm: true };
    const run = runJob(deleteJob, input, { store: ws.store, deps: { library: ws.library } });
    // Asked as the phase starts, the pause takes effect at its first check, before anything is removed.
    run.events$.subscribe((e) => {
      if (e.type === 'phaseStarted' && e.phase === 'deleting') void run.pause();
    });
    await new Promise<void>((resolve) => run.events$.subscribe((e) => e.type === 'paused' && resolve()));
    await run.pause();
    fs.renameSync(tree, path.join(base, 'tree-moved-away'));
    fs.renameSync(outside, tree);
    const resumed = await resumeJob(deleteJob, run.id, { store: ws.store, deps: { library: ws.library } });
    const result = await resumed.result;
    expect(result.status).toBe('completed');
    expect(fingerprint(tree)).toEqual(before);
    expect(result.output!.failed).toBe(1);
    expect(result.errors[0].message).toMatch(/alone: it was replaced \(another file is there now\)/);
  });

  it('trash: a target replaced by another directory while the job is paused is left where it is', async () => {
    const ws = workspace();
    const { base, tree, outside, before } = setup();
    const run = runJob(
      deleteJob,
      { paths: [tree] },
      { store: ws.store, deps: { library: ws.library, trash: ws.trash } },
    );
    run.events$.subscribe((e) => {
      if (e.type === 'phaseStarted' && e.phase === 'deleting') void run.pause();
    });
    await new Promise<void>((resolve) => run.events$.subscribe((e) => e.type === 'paused' && resolve()));
    await run.pause();
    fs.renameSync(tree, path.join(base, 'tree-moved-away'));
    fs.renameSync(outside, tree);
    const resumed = await resumeJob(deleteJob, run.id, {
      store: ws.store,
      deps: { library: ws.library, trash: ws.trash },
    });
    const result = await resumed.result;
    expect(result.status).toBe('completed');
    expect(fingerprint(tree)).toEqual(before);
    expect(result.output).toMatchObject({ failed: 1, trashed: [] });
  });
});
