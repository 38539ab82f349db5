import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { duplicatesJob } from '../../../src/jobs/duplicates/duplicatesJob.js';
import type {
  DuplicatesInput,
  DuplicatesOutput,
  DuplicatesState,
} from '../../../src/jobs/duplicates/types.js';
import { decodeEnvelope, MemoryStore, runJob } from '../../../src/index.js';
import { tempDir } from '../../machines/helpers.js';
import { libraryWorkspaces } from '../libraryWorkspaces.js';
import { bytes } from './tree.js';

const workspace = libraryWorkspaces();

/**
 * Sets whose order by size (the order analysis compares and commits them in) is not their order by wasted
 * bytes (the report's): three copies of 1,000 bytes waste 2,000, two of 1,500 waste 1,500, two of 1,200
 * waste 1,200. Paths are written out of order within each set.
 */
function makeTree(root: string): void {
  const put = (rel: string, content: Buffer) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  };
  for (const d of ['c', 'a', 'b']) put(`${d}/thousand`, bytes('thousand', 1000));
  for (const d of ['z', 'y']) put(`${d}/big`, bytes('big', 1500));
  for (const d of ['n', 'm']) put(`${d}/mid`, bytes('mid', 1200));
  put('lonely', bytes('lonely', 1000));
}

describe("the job's output at its end", () => {
  for (const withLibrary of [true, false]) {
    it(`is the report its final checkpoint's state gives: most wasted first, paths in order (${withLibrary ? 'library lists' : 'lists in the state'})`, async () => {
      const root = path.join(tempDir(), 'tree');
      makeTree(root);
      const input: DuplicatesInput = { paths: [root], batchFiles: 2 };
      const ws = withLibrary ? workspace() : undefined;
      const store = ws?.store ?? new MemoryStore();
      const run = runJob(duplicatesJob, input, { store, ...(ws ? { deps: { library: ws.library } } : {}) });
      const result = await run.result;
      expect(result.status).toBe('completed');
      const output = result.output as DuplicatesOutput;
      const rel = output.groups.map((g) => g.files.map((f) => path.relative(root, f.path)));
      expect(rel).toEqual([
        ['a/thousand', 'b/thousand', 'c/thousand'],
        ['y/big', 'z/big'],
        ['m/mid', 'n/mid'],
      ]);
      expect(output.groups.map((g) => g.wastedBytes)).toEqual([2000, 1500, 1200]);
      // The same output again from the state as a checkpoint holds it (unpacked from its bytes, not the sets
      // kept in memory at the end of the run).
      const stored = await store.load(run.id);
      const envelope = decodeEnvelope<DuplicatesState>(stored!.bytes, {
        name: duplicatesJob.name,
        version: duplicatesJob.version,
        jobId: run.id,
      });
      expect(duplicatesJob.output!(envelope.state, input)).toEqual(output);
    });
  }
});
