import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { duplicatesJob } from '../../../src/jobs/duplicates/duplicatesJob.js';
import type { DuplicatesOutput, DuplicatesState } from '../../../src/jobs/duplicates/types.js';
import { resumeJob, runJob } from '../../../src/index.js';
import { tempDir } from '../../machines/helpers.js';
import { libraryWorkspaces } from '../libraryWorkspaces.js';
import { makeDuplicateTree } from './tree.js';

/**
 * Collect commits its groups with one checkpoint at its end, and returns: a run stopped (or killed) right after
 * that checkpoint resumes in collect, which walks and groups again. The hard links it lists must not be listed
 * twice (they were kept in the state across the two walks).
 */
const workspace = libraryWorkspaces();

describe('duplicate detection stopped right after collect committed its groups', () => {
  it('resumes to the output of an uninterrupted run, each hard-link set once', async () => {
    const root = path.join(tempDir(), 'tree');
    makeDuplicateTree(root, { manyOfOneSize: 50 });
    const clean = workspace();
    const expected = (
      await runJob(duplicatesJob, { paths: [root] }, { store: clean.store, deps: clean }).result
    ).output as DuplicatesOutput;
    expect(expected.hardLinks).toHaveLength(2);

    const ws = workspace();
    const run = runJob(duplicatesJob, { paths: [root] }, { store: ws.store, deps: ws });
    run.events$.subscribe((e) => {
      const state = run.state as DuplicatesState;
      if (e.type === 'checkpointed' && e.phase === 'collect' && state.hardLinks.length > 0) void run.stop();
    });
    const stopped = await run.result;
    expect(stopped.status).toBe('interrupted');
    const resumed = await resumeJob(duplicatesJob, run.id, { store: ws.store, deps: ws });
    const result = await resumed.result;
    expect(result.status).toBe('completed');
    const output = result.output as DuplicatesOutput;
    expect(output.hardLinks).toEqual(expected.hardLinks);
    expect(output.groups.map((g) => g.files.map((f) => f.path))).toEqual(
      expected.groups.map((g) => g.files.map((f) => f.path)),
    );
    expect(output.counts).toEqual(expected.counts);
  });
});
