import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chunkGroups,
  dropLists,
  handOver,
  readList,
  writeList,
} from '../../../src/jobs/duplicates/fileLists.js';
import type { CandidateGroup } from '../../../src/jobs/duplicates/types.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { tempDir } from '../../machines/helpers.js';

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

function library(): Library {
  const lib = openLibrary(path.join(tempDir(), 'library.db'));
  open.push(lib);
  return lib;
}

const file = (name: string, size: number) => ({
  path: Buffer.from(`/t/${name}`),
  size,
  mtimeMs: 1,
  ino: size,
  dev: 1,
});

describe('file lists handed over in memory', () => {
  it('are read once from memory, and otherwise (another count, a second read, dropped) from the library', () => {
    const lib = library();
    const written: CandidateGroup[] = [{ size: 5, files: [file('a', 5), file('b', 5)] }];
    const chunks = chunkGroups(written);
    writeList(lib, 'job', 'pending', chunks);
    const kept: CandidateGroup[] = [{ size: 5, files: [file('a', 5), file('b', 5)] }];
    handOver(lib, 'job', 'pending', chunks.length, kept);
    // The first read takes the very objects handed over: nothing read back or unpacked.
    expect(readList(lib, 'job', 'pending', chunks.length)).toBe(kept);
    // Taken once: the reader may have changed them, so the next read is the library's.
    const again = readList(lib, 'job', 'pending', chunks.length);
    expect(again).not.toBe(kept);
    expect(again.map((g) => g.files.map((f) => Buffer.from(f.path).toString()))).toEqual([['/t/a', '/t/b']]);
    // A read of another count than the one handed over reads the library.
    handOver(lib, 'job', 'pending', chunks.length + 1, kept);
    expect(readList(lib, 'job', 'pending', chunks.length)).not.toBe(kept);
    // Another job, or after dropLists: the library.
    handOver(lib, 'job', 'pending', chunks.length, kept);
    expect(readList(lib, 'other', 'pending', 0)).toEqual([]);
    dropLists(lib, 'job');
    // (the rows are gone too: the read goes to the library and finds them missing)
    expect(() => readList(lib, 'job', 'pending', chunks.length)).toThrow(/missing/);
    // Another library object (a resume after reopening): the library.
    writeList(lib, 'job', 'pending', chunks);
    handOver(lib, 'job', 'pending', chunks.length, kept);
    const reopened = openLibrary(lib.file);
    open.push(reopened);
    const fromDisk = readList(reopened, 'job', 'pending', chunks.length);
    expect(fromDisk).not.toBe(kept);
    expect(fromDisk[0].files.length).toBe(2);
    expect(readList(lib, 'job', 'pending', chunks.length)).toBe(kept);
  });
});
