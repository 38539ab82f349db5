import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deleteJob } from '../../../src/jobs/delete/deleteJob.js';
import type { DeleteDeps } from '../../../src/jobs/delete/types.js';
import { MemoryStore, runJob } from '../../../src/index.js';
import { tempDir } from '../../machines/helpers.js';

const hasTrashCli = spawnSync('trash-list', ['--version']).status === 0;

/** Two files named `report.txt` in two directories, and a home trash of their own. */
function setup() {
  const root = tempDir();
  const dataHome = path.join(root, 'xdg-data');
  const files = ['a', 'b'].map((d) => {
    fs.mkdirSync(path.join(root, d));
    const file = path.join(root, d, 'report.txt');
    fs.writeFileSync(file, `report from ${d}`);
    return file;
  });
  const trash = { dataHome, uid: process.getuid!() };
  const trashDir = path.join(dataHome, 'Trash');
  const contents = () =>
    Object.fromEntries(
      fs
        .readdirSync(path.join(trashDir, 'files'))
        .map((n) => [n, fs.readFileSync(path.join(trashDir, 'files', n), 'utf8')]),
    );
  const infos = () => fs.readdirSync(path.join(trashDir, 'info')).sort();
  return { root, files, trash, trashDir, contents, infos };
}

function deleteRun(file: string, deps: DeleteDeps) {
  return runJob(deleteJob, { paths: [file] }, { store: new MemoryStore(), deps });
}

describe('trash names are reserved as the spec asks (an info file created with O_EXCL)', () => {
  it('two jobs that chose the same free name at the same moment keep both files, under two names', async () => {
    const t = setup();
    // Each job stops once it has chosen and checkpointed its name; both go on only when both have chosen, so both
    // chose `report.txt` (neither info file existed yet) before either reserves it.
    const chosen: string[] = [];
    let release!: () => void;
    const bothChose = new Promise<void>((resolve) => {
      release = resolve;
    });
    const beforeTrash = async (_path: Buffer, name: Buffer) => {
      chosen.push(name.toString());
      if (chosen.length === 2) release();
      await bothChose;
    };
    const runs = t.files.map((file) => deleteRun(file, { trash: t.trash, beforeTrash }));
    const results = await Promise.all(runs.map((r) => r.result));
    // The job that found the name reserved chose again.
    expect(chosen).toEqual(['report.txt', 'report.txt', 'report.txt.2']);
    for (const r of results) expect(r.status, JSON.stringify(r.failure)).toBe('completed');
    // Both files are in the trash, each with its own info file naming its own path.
    expect(Object.values(t.contents()).sort()).toEqual(['report from a', 'report from b']);
    expect(t.infos()).toEqual(['report.txt.2.trashinfo', 'report.txt.trashinfo']);
    for (const name of ['report.txt', 'report.txt.2']) {
      const info = fs.readFileSync(path.join(t.trashDir, 'info', `${name}.trashinfo`), 'utf8');
      const original = decodeURIComponent(/Path=(.+)/.exec(info)![1]);
      expect(fs.readFileSync(path.join(t.trashDir, 'files', name), 'utf8')).toBe(
        `report from ${path.basename(path.dirname(original))}`,
      );
    }
    const trashed = results.flatMap((r) => r.output!.trashed).sort();
    expect(trashed).toEqual([
      path.join(t.trashDir, 'files/report.txt'),
      path.join(t.trashDir, 'files/report.txt.2'),
    ]);
    if (hasTrashCli) {
      const listed = spawnSync('trash-list', [], {
        encoding: 'utf8',
        env: { ...process.env, XDG_DATA_HOME: t.trash.dataHome },
      });
      for (const file of t.files) expect(listed.stdout).toContain(file);
    }
  });

  it('another program that reserved the chosen name (its info file) keeps it: the job takes the next name', async () => {
    const t = setup();
    const foreignInfo = '[Trash Info]\nPath=/elsewhere/report.txt\nDeletionDate=2024-01-02T03:04:05\n';
    const beforeTrash = (_path: Buffer, name: Buffer) => {
      if (name.toString() !== 'report.txt') return;
      // A file manager trashing its own report.txt reserves the name just now, and moves its file in.
      fs.writeFileSync(path.join(t.trashDir, 'info/report.txt.trashinfo'), foreignInfo, { flag: 'wx' });
      fs.writeFileSync(path.join(t.trashDir, 'files/report.txt'), 'the file manager’s file');
    };
    const result = await deleteRun(t.files[0], { trash: t.trash, beforeTrash }).result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(t.contents()).toEqual({
      'report.txt': 'the file manager’s file',
      'report.txt.2': 'report from a',
    });
    expect(fs.readFileSync(path.join(t.trashDir, 'info/report.txt.trashinfo'), 'utf8')).toBe(foreignInfo);
    expect(result.output!.trashed).toEqual([path.join(t.trashDir, 'files/report.txt.2')]);
  });

  it('a file put at files/<name> without an info file (a program not following the spec) is never renamed over', async () => {
    const t = setup();
    const beforeTrash = (_path: Buffer, name: Buffer) => {
      if (name.toString() === 'report.txt')
        fs.writeFileSync(path.join(t.trashDir, 'files/report.txt'), 'not ours');
    };
    const result = await deleteRun(t.files[0], { trash: t.trash, beforeTrash }).result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(t.contents()).toEqual({ 'report.txt': 'not ours', 'report.txt.2': 'report from a' });
    // No info file of ours is left for the name it did not get.
    expect(t.infos()).toEqual(['report.txt.2.trashinfo']);
  });

  it('an info file its own killed run left (owner line and path its own) is taken again, not left behind', async () => {
    const t = setup();
    const jobId = '0b7f9c1e-2d1a-4c55-9a8e-3f1f7c2b9d40';
    // The state a run killed between reserving the name and the rename leaves: its info file, no file yet.
    const beforeTrash = (_path: Buffer, name: Buffer) => {
      if (name.toString() !== 'report.txt') return;
      fs.writeFileSync(
        path.join(t.trashDir, 'info', `${name}.trashinfo`),
        `[Trash Info]\nPath=${t.files[0]}\nDeletionDate=2024-01-02T03:04:05\n# phasekit job ${jobId}\n`,
        { flag: 'wx' },
      );
    };
    const run = runJob(
      deleteJob,
      { paths: [t.files[0]] },
      { store: new MemoryStore(), jobId, deps: { trash: t.trash, beforeTrash } },
    );
    const result = await run.result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(t.contents()).toEqual({ 'report.txt': 'report from a' });
    expect(t.infos()).toEqual(['report.txt.trashinfo']);
    expect(fs.readFileSync(path.join(t.trashDir, 'info/report.txt.trashinfo'), 'utf8')).toMatch(
      /\nDeletionDate=(?!2024-01-02)/,
    );
  });
});
