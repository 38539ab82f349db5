import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { duplicatesJob } from '../../../src/jobs/duplicates/duplicatesJob.js';
import type { DuplicatesOutput } from '../../../src/jobs/duplicates/types.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { resumeJob, runJob } from '../../../src/index.js';
import { SqliteStore } from '../../../src/sqlite.js';
import type { SnapshotStore } from '../../../src/persistence/types.js';
import { tempDir } from '../../machines/helpers.js';
import { canonical, jdupesGroups } from './tree.js';

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

/** 5,000 files in groups of four of one size (1,250 sizes); in every tenth group two files are equal. */
function makeFiveThousand(root: string) {
  for (let g = 0; g < 1250; g++) {
    const dir = path.join(root, `g${g % 50}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let k = 0; k < 4; k++) {
      const twin = g % 10 === 0 && k === 1;
      const fill = twin ? 0 : k;
      const bytes = Buffer.alloc(1 + g, 0x41 + (g % 26));
      bytes[0] = fill; // the first byte tells the files of a group apart (but the twins)
      fs.writeFileSync(path.join(dir, `f${g}-${k}.bin`), bytes);
    }
  }
}

describe('duplicate detection checkpoints', () => {
  it('stay small however many files are compared: the file lists live in the library', async () => {
    const root = path.join(tempDir(), 'tree');
    makeFiveThousand(root);
    const library = openLibrary(path.join(tempDir(), 'library.db'));
    open.push(library);
    const store = new SqliteStore(library.db);
    const sizes: { phase: string | undefined; status: string; bytes: number }[] = [];
    // Every checkpoint's size, read back from the store after it was written.
    const measured: SnapshotStore = new Proxy(store, {
      get(target, key) {
        if (key === 'save') {
          return async (
            jobId: string,
            bytes: Uint8Array,
            meta: { phase?: string; status: string },
            opts?: object,
          ) => {
            await target.save(jobId, bytes, meta as never, opts);
            const stored = await target.load(jobId);
            sizes.push({ phase: meta.phase, status: meta.status, bytes: stored!.bytes.length });
          };
        }
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const run = runJob(
      duplicatesJob,
      { paths: [root], batchFiles: 1000 },
      { store: measured, deps: { library } },
    );
    const result = await run.result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    const output = result.output as DuplicatesOutput;
    expect(output.counts.files).toBe(5000);
    expect(canonical(output.groups.map((g) => g.files.map((f) => f.path)))).toEqual(
      canonical(jdupesGroups(root)),
    );
    expect(output.groups).toHaveLength(125);

    // Until complete, which puts the answer (125 sets) into the final state: the job's output.
    const working = sizes.filter((s) => s.status !== 'completed' && s.phase !== 'complete');
    expect(working.some((s) => s.phase === 'group-by-size')).toBe(true);
    expect(working.some((s) => s.phase === 'analysis')).toBe(true);
    // Before: the 5,000 collected files were in the checkpoint, ~160 B each (~800 KB).
    const largest = Math.max(...working.map((s) => s.bytes));
    expect(largest).toBeLessThan(20 * 1024);
    // The lists are gone once the job completed.
    expect(library.db.prepare('SELECT count(*) FROM job_lists').pluck().get()).toBe(0);
    console.log(`largest checkpoint before the end: ${largest} B over ${working.length} checkpoints`);
  });
});

describe('duplicate detection killed once its groups are written', () => {
  it("wrote them with collect's checkpoint (no list of collected files), and its resume keeps every group", async () => {
    const root = path.join(tempDir(), 'tree');
    makeFiveThousand(root);
    const reference = runJob(duplicatesJob, { paths: [root] }, {});
    const expected = ((await reference.result).output as DuplicatesOutput).groups;
    const library = openLibrary(path.join(tempDir(), 'library.db'));
    open.push(library);
    const store = new SqliteStore(library.db);
    let run: ReturnType<typeof runJob> | undefined;
    let lease: unknown;
    let lists: unknown[] | undefined;
    // The hook: the run stops right after collect wrote its groups with its checkpoint, as a process killed
    // there would (the phase still running in that checkpoint).
    const stopping: SnapshotStore = new Proxy(store, {
      get(target, key) {
        if (key === 'save') {
          return async (
            jobId: string,
            bytes: Uint8Array,
            meta: { phase?: string },
            opts?: { atomicWith?: unknown },
          ) => {
            await target.save(jobId, bytes, meta as never, opts as never);
            if (meta.phase === 'collect' && opts?.atomicWith) {
              lists = library.db.prepare('SELECT DISTINCT list FROM job_lists ORDER BY list').pluck().all();
              run!.stop();
            }
          };
        }
        if (key === 'acquire') {
          return async (...args: unknown[]) => {
            lease = await (target.acquire as (...a: unknown[]) => Promise<unknown>)(...args);
            return lease;
          };
        }
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    run = runJob(duplicatesJob, { paths: [root] }, { store: stopping, deps: { library } });
    expect((await run.result).status).not.toBe('completed');
    // One list written, the groups analysis compares: not the collected files first, then the groups.
    expect(lists).toEqual(['pending']);
    // The stopped owner is this process, alive: release its lease as a killed process's would lapse.
    if (lease) await store.release(lease as never);
    const resumed = await resumeJob(duplicatesJob, run.id, { store, deps: { library } });
    const result = await resumed.result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect((result.output as DuplicatesOutput).groups).toEqual(expected);
  });
});
