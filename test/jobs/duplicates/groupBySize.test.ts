import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { duplicatesJob } from '../../../src/jobs/duplicates/duplicatesJob.js';
import { chunkFiles, readList, writeList } from '../../../src/jobs/duplicates/fileLists.js';
import { packGroups, packGroupsByField, unpackGroups } from '../../../src/jobs/duplicates/packFiles.js';
import { groupBySize, groupCandidates } from '../../../src/jobs/duplicates/phases/groupBySize.js';
import type { CandidateFile, DuplicatesState } from '../../../src/jobs/duplicates/types.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { tempDir } from '../../machines/helpers.js';

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

const file = (name: string, size: number, ino: number): CandidateFile => ({
  path: Buffer.from(`/t/${name}`),
  size,
  mtimeMs: 1,
  ino,
  dev: 1,
});

/** Sizes 5 (two files), 7 (one: no group), 9 (two paths of one inode and a third file). */
const collected = [
  file('a', 5, 1),
  file('b', 5, 2),
  file('c', 7, 3),
  file('d', 9, 4),
  file('e', 9, 4),
  file('f', 9, 5),
];
const groupsOf = (groups: { size: number; files: CandidateFile[] }[]) =>
  groups.map((g) => ({ size: g.size, paths: g.files.map((f) => Buffer.from(f.path).toString()) }));
const expected = [
  { size: 9, paths: ['/t/d', '/t/f'] },
  { size: 5, paths: ['/t/a', '/t/b'] },
];

/** Run the phase alone on `state`, as a resume from a checkpoint taken at its start would. */
async function runPhase(state: DuplicatesState, library?: Library) {
  const ctx = {
    input: { paths: ['/t'] },
    state,
    deps: library ? { library } : {},
    jobId: 'job',
    reportProgress: () => {},
    checkpoint: async (opts?: { atomicWith?: () => void }) => opts?.atomicWith?.(),
  };
  await groupBySize.execute(ctx as never);
  return state;
}

// Collect groups the files itself now; a checkpoint of an earlier version, taken at the boundary between
// collect and group-by-size, still holds the collected files, and its resume must group them.
describe('group-by-size resumed from an earlier version checkpoint', () => {
  it('groups the collected list of the library and folds the hard links', async () => {
    const library = openLibrary(path.join(tempDir(), 'library.db'));
    open.push(library);
    const chunks = chunkFiles(collected);
    writeList(library, 'job', 'collected', chunks);
    const state: DuplicatesState = {
      ...duplicatesJob.initialState({ paths: ['/t'] }),
      lists: { collected: chunks.length, pending: 0, done: 0 },
    };
    await runPhase(state, library);
    expect(state.lists).toEqual({ collected: 0, pending: 1, done: 0 });
    expect(state.groupFiles).toBe(4);
    expect(groupsOf(readList(library, 'job', 'pending', 1))).toEqual(expected);
    expect(state.hardLinks.map((h) => h.paths.map((p) => Buffer.from(p).toString()))).toEqual([
      ['/t/d', '/t/e'],
    ]);
    expect(library.db.prepare("SELECT count(*) FROM job_lists WHERE list = 'collected'").pluck().get()).toBe(
      0,
    );
  });

  it('groups the collected files packed in the state (no library), in either packed format', async () => {
    for (const pack of [packGroups, packGroupsByField]) {
      const state: DuplicatesState = {
        ...duplicatesJob.initialState({ paths: ['/t'] }),
        collected: pack([{ size: 0, files: collected }]),
      };
      await runPhase(state);
      expect(state.collected).toBeNull();
      expect(groupsOf(unpackGroups(state.pending!))).toEqual(expected);
    }
  });

  it('leaves the groups collect wrote alone', async () => {
    const state: DuplicatesState = {
      ...duplicatesJob.initialState({ paths: ['/t'] }),
      pending: packGroups([{ size: 5, files: [file('a', 5, 1), file('b', 5, 2)] }]),
      groupFiles: 2,
    };
    const before = state.pending;
    await runPhase(state);
    expect(state.pending).toBe(before);
    expect(state.groupFiles).toBe(2);
  });
});

describe('hard links, folded by inode and device', () => {
  const at = (p: string, ino: number, dev: number, size = 5): CandidateFile => ({
    path: Buffer.from(p),
    size,
    mtimeMs: 1,
    ino,
    dev,
  });
  const state = () => ({ hardLinks: [] }) as unknown as DuplicatesState;
  const paths = (files: CandidateFile[]) => files.map((f) => Buffer.from(f.path).toString());
  const sorted = (list: string[]) => [...list].sort();

  for (const extra of [0, 9]) {
    it(`a group of ${2 + extra}: one inode's paths fold into the first in byte order; nothing shared keeps walk order`, () => {
      const others = Array.from({ length: extra }, (_, i) => at(`/o/${i}`, 1000 + i, 1));
      const otherPaths = paths(others);
      // No two files of one inode: the walk's order.
      const plain = state();
      const [kept] = groupCandidates([at('/b', 1, 1), at('/a', 2, 1), ...others], 'content', plain);
      expect(paths(kept.files)).toEqual(['/b', '/a', ...otherPaths]);
      expect(plain.hardLinks).toEqual([]);
      // Two files on devices 4,096 apart with the same inode number: not one inode, nothing folded (they share
      // the fold's quick key, so the group is put in byte order, as it always was).
      const apart = state();
      const [two] = groupCandidates(
        [at('/snap/b', 257, 1048620), at('/live/a', 257, 44), ...others],
        'content',
        apart,
      );
      expect(paths(two.files)).toEqual(sorted(['/snap/b', '/live/a', ...otherPaths]));
      expect(apart.hardLinks).toEqual([]);
      // Two paths of one inode: one file, its first path in byte order standing for it.
      const linked = state();
      const [folded] = groupCandidates(
        [at('/z', 7, 2), at('/y', 8, 2), at('/x', 7, 2), ...others],
        'content',
        linked,
      );
      expect(paths(folded.files)).toEqual(sorted(['/x', '/y', ...otherPaths]));
      expect(linked.hardLinks.map((h) => h.paths.map((p) => Buffer.from(p).toString()))).toEqual([
        ['/x', '/z'],
      ]);
    });
  }
});
