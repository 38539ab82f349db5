import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contentIdOfFileSync } from '../../../../src/jobs/content/contentId.js';
import { ContentIdPool, contentIdPoolDefaults } from '../../../../src/jobs/indexer/content/ContentIdPool.js';
import { indexerJob } from '../../../../src/jobs/indexer/indexerJob.js';
import { contentPhaseDefaults } from '../../../../src/jobs/indexer/phases/content.js';
import type { IndexerInput } from '../../../../src/jobs/indexer/types.js';
import type { Library } from '../../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../../src/jobs/library/openLibrary.js';
import { type JobProgress, resumeJob, runJob } from '../../../../src/index.js';
import type { Clock } from '../../../../src/phases/types.js';
import { SqliteStore } from '../../../../src/sqlite.js';
import { tempDir } from '../../../machines/helpers.js';
import { builtWorker } from './builtWorker.js';
import { killEveryWorker, killFirstWorker } from '../../../helpers/workerDeaths.js';

const saved = { ...contentPhaseDefaults };
const open: Library[] = [];
beforeEach(() => {
  // Threads for these small trees, from the built worker; chunks small enough for several per batch.
  contentIdPoolDefaults.workerUrl = builtWorker();
  Object.assign(contentPhaseDefaults, { threadsFrom: 0, chunk: 32 });
});
afterEach(() => {
  vi.restoreAllMocks();
  contentIdPoolDefaults.workerUrl = undefined;
  Object.assign(contentPhaseDefaults, saved);
  for (const library of open.splice(0)) library.close();
});

/** 600 files in 30 directories, sizes from 1 byte to 300 KB (whole and sampled), some duplicates. */
function makeTree(): string {
  const root = path.join(tempDir(), 'tree');
  for (let i = 0; i < 600; i++) {
    const dir = path.join(root, `a${i % 3}`, `b${i % 30}`);
    fs.mkdirSync(dir, { recursive: true });
    const size = [7, 700, 5000, 40_000, 102_400, 150_000, 300_000][i % 7] + (i % 11);
    const bytes = Buffer.alloc(size, i % 97);
    bytes.writeUInt32LE(i % 500, 0);
    fs.writeFileSync(path.join(dir, `f${i}.${['txt', 'jpg', 'bin'][i % 3]}`), bytes);
  }
  return root;
}

/** Files changed after discovery, before the content phase: each read fails, in its own way. */
function breakFiles(root: string): void {
  fs.rmSync(path.join(root, 'a1/b1/f31.jpg'));
  fs.truncateSync(path.join(root, 'a0/b0/f90.txt'), 3);
  fs.rmSync(path.join(root, 'a2/b5/f5.bin'));
  fs.mkdirSync(path.join(root, 'a2/b5/f5.bin'));
  fs.appendFileSync(path.join(root, 'a0/b12/f402.txt'), 'more');
  // Replaced by a FIFO (must not hang a worker) and by a symlink (must not be followed).
  fs.rmSync(path.join(root, 'a0/b3/f63.txt'));
  execFileSync('mkfifo', [path.join(root, 'a0/b3/f63.txt')]);
  fs.rmSync(path.join(root, 'a1/b4/f64.jpg'));
  fs.symlinkSync('/etc/hostname', path.join(root, 'a1/b4/f64.jpg'));
}

function workspace() {
  const library = openLibrary(path.join(tempDir(), 'library.db'));
  open.push(library);
  return { library, store: new SqliteStore(library.db) };
}

/**
 * Every row of entries and content_identities: what two libraries of two copies of one tree must share (all
 * but what differs between the copies: the root's path, inodes and times).
 */
/** Entries that have a content id. */
function hashedCount(library: Library): number {
  return library.db
    .prepare('SELECT count(*) FROM entries WHERE content_id IS NOT NULL')
    .pluck()
    .get() as number;
}

function rows(library: Library) {
  return {
    entries: library.db
      .prepare(
        `SELECT id, parent_id, name, extension, kind, size, aggregate_size, child_count, file_count, content_id,
           mime FROM entries WHERE parent_id IS NOT NULL ORDER BY id`,
      )
      .all(),
    identities: library.db.prepare('SELECT * FROM content_identities ORDER BY content_id').all(),
  };
}

/** The job's errors, paths relative to the root. */
const errorsOf = (errors: readonly { message: string; details?: Record<string, unknown> }[], root: string) =>
  errors.map((e): { path: string; message: string; op?: unknown; code?: unknown } => ({
    ...e.details,
    path: String(e.details?.path).replace(root, '<root>'),
    message: e.message.replaceAll(root, '<root>'),
  }));

/** Index `root` in content mode; files broken between discovery and content when `broken`. */
async function index(root: string, input: Partial<IndexerInput> = {}, broken = false) {
  const ws = workspace();
  const deps = { library: ws.library };
  const run = runJob(
    indexerJob,
    { path: root, mode: 'content', batchSize: 100, ...input },
    { store: ws.store, deps },
  );
  if (!broken) {
    const result = await run.result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    return { ...ws, result };
  }
  await new Promise<void>((resolve) => {
    run.events$.subscribe((e) => {
      if (e.type === 'phaseCompleted' && (e as { phase?: string }).phase === 'aggregation')
        resolve(run.pause());
    });
  });
  expect(run.position).toEqual({ phase: 'content', step: 'paused' });
  run.stop();
  breakFiles(root);
  const result = await (await resumeJob(indexerJob, run.id, { store: ws.store, deps })).result;
  expect(result.status, JSON.stringify(result.failure)).toBe('completed');
  return { ...ws, result };
}

/** Progress goes out at the host's next turn: every report the phase makes between two turns shows. */
const eager: Clock = {
  now: () => Date.now(),
  setTimeout: (fn: () => void) => setImmediate(fn),
  clearTimeout: (handle: unknown) => clearImmediate(handle as NodeJS.Immediate),
};

describe('the content phase in worker threads', () => {
  it('writes the library an inline run writes, every row, and the same errors in the same order, with their paths', async () => {
    const a = makeTree();
    const b = makeTree();
    const threaded = await index(a, {}, true);
    Object.assign(contentPhaseDefaults, { threadsFrom: Number.POSITIVE_INFINITY });
    const inline = await index(b, {}, true);
    expect(rows(threaded.library)).toEqual(rows(inline.library));
    const errors = errorsOf(threaded.result.errors, a);
    expect(errors).toEqual(errorsOf(inline.result.errors, b));
    // In id order (discovery's), whichever thread hashed them and whenever it answered.
    expect(errors.map((e) => [e.path, e.op, e.code ?? e.message])).toEqual([
      ['<root>/a2/b5/f5.bin', 'content', 'EISDIR'],
      ['<root>/a1/b4/f64.jpg', 'content', 'ELOOP'],
      ['<root>/a1/b1/f31.jpg', 'content', 'ENOENT'],
      ['<root>/a0/b3/f63.txt', 'content', 'ENOTREG'],
      ['<root>/a0/b12/f402.txt', 'content', expect.stringMatching(/changed while it was being hashed/)],
      ['<root>/a0/b0/f90.txt', 'content', expect.stringMatching(/changed while it was being hashed/)],
    ]);
    expect(threaded.result.output?.contentIds).toBe(600 - 6);
  });

  it('moves progress chunk by chunk within a batch, never back', async () => {
    const root = makeTree();
    const ws = workspace();
    const run = runJob(
      indexerJob,
      { path: root, mode: 'content', batchSize: 1000 },
      { store: ws.store, deps: { library: ws.library }, clock: eager, progressIntervalMs: 1 },
    );
    const frames: JobProgress[] = [];
    run.progress$.subscribe((p) => frames.push(p));
    let checkpoints = 0;
    run.events$.subscribe((e) => {
      if (e.type === 'checkpointed' && run.position.phase === 'content') checkpoints++;
    });
    expect((await run.result).status).toBe('completed');
    const content = frames.filter((f) => f.phase === 'content' && f.completed < 600).map((f) => f.completed);
    // One batch (600 files, one checkpoint), and yet the count moved through it.
    expect(checkpoints).toBeLessThanOrEqual(2);
    expect(new Set(content).size).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < content.length; i++) expect(content[i]).toBeGreaterThanOrEqual(content[i - 1]);
  });

  it('a pause is taken at the next chunk, before the batch is written; the resumed job writes the library of a clean run', async () => {
    const reference = await index(makeTree(), { batchSize: 1000 });
    const root = makeTree();
    const ws = workspace();
    const deps = { library: ws.library };
    const run = runJob(
      indexerJob,
      { path: root, mode: 'content', batchSize: 1000 },
      { store: ws.store, deps, clock: eager, progressIntervalMs: 1 },
    );
    await new Promise<void>((resolve) => {
      run.progress$.subscribe((p) => {
        if (p.phase === 'content' && p.completed > 0) resolve(run.pause());
      });
    });
    expect(run.position).toEqual({ phase: 'content', step: 'paused' });
    // The one batch (all 600 files) was not hashed to its end and written first.
    expect(hashedCount(ws.library)).toBe(0);
    run.stop();
    const result = await (await resumeJob(indexerJob, run.id, { store: ws.store, deps })).result;
    expect(result.status).toBe('completed');
    expect(rows(ws.library)).toEqual(rows(reference.library));
  });

  it('chunks already answered when the phase reaches them: the host still gets a turn per chunk, so a pause is taken in the batch', async () => {
    // Every chunk answered at once (hashed in this thread when posted), as when the threads run well ahead.
    vi.spyOn(ContentIdPool.prototype, 'threaded', 'get').mockReturnValue(true);
    vi.spyOn(ContentIdPool.prototype, 'hash').mockImplementation((paths, sizes) =>
      Promise.resolve(paths.map((p, i) => contentIdOfFileSync(Buffer.from(p), sizes[i]))),
    );
    const root = makeTree();
    const ws = workspace();
    const run = runJob(
      indexerJob,
      { path: root, mode: 'content', batchSize: 1000 },
      { store: ws.store, deps: { library: ws.library }, clock: eager, progressIntervalMs: 1 },
    );
    const frames: number[] = [];
    await new Promise<void>((resolve) => {
      run.progress$.subscribe((p) => {
        if (p.phase !== 'content') return;
        frames.push(p.completed);
        if (p.completed > 0) resolve(run.pause());
      });
    });
    expect(run.position).toEqual({ phase: 'content', step: 'paused' });
    expect(frames.filter((n) => n > 0 && n < 600).length).toBeGreaterThan(0);
    expect(hashedCount(ws.library)).toBe(0);
    await run.stop();
  });

  it('stop() mid-batch: the run ends interrupted, its threads end, the batch is unwritten; resumed, a clean run', async () => {
    const reference = await index(makeTree(), { batchSize: 1000 });
    const workers = new Set<Worker>();
    const post = Worker.prototype.postMessage;
    vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, ...args) {
      workers.add(this);
      post.apply(this, args as Parameters<Worker['postMessage']>);
    });
    const root = makeTree();
    const ws = workspace();
    const deps = { library: ws.library };
    const run = runJob(
      indexerJob,
      { path: root, mode: 'content', batchSize: 1000 },
      { store: ws.store, deps, clock: eager, progressIntervalMs: 1 },
    );
    const sub = run.progress$.subscribe((p) => {
      if (p.phase === 'content' && p.completed > 0) {
        sub.unsubscribe();
        void run.stop();
      }
    });
    const stopped = await run.result;
    expect(stopped.status).toBe('interrupted');
    expect(workers.size).toBeGreaterThan(0);
    // The phase stops at its next chunk and closes the pool: every thread ends (threadId -1 once exited),
    // none left reading or holding the process. Without that, this waits until the bound and fails.
    const exited = Promise.all(
      [...workers].map((w) =>
        w.threadId === -1 ? undefined : new Promise((resolve) => w.once('exit', resolve)),
      ),
    );
    const bound = new Promise((resolve) =>
      setTimeout(() => resolve('threads still running after 10 s'), 10_000),
    );
    expect(await Promise.race([exited.then(() => 'ended'), bound])).toBe('ended');
    expect([...workers].map((w) => w.threadId)).toEqual([...workers].map(() => -1));
    expect(hashedCount(ws.library)).toBe(0);
    vi.restoreAllMocks();
    const result = await (await resumeJob(indexerJob, run.id, { store: ws.store, deps })).result;
    expect(result.status).toBe('completed');
    expect(rows(ws.library)).toEqual(rows(reference.library));
  });

  it('a worker that dies mid-job: its files are hashed by its replacement, the library is a clean run’s', async () => {
    const reference = await index(makeTree());
    const killed = killFirstWorker();
    const run = await index(makeTree());
    expect(killed).toHaveLength(1);
    expect(run.result.output?.contentIds).toBe(600);
    expect(rows(run.library)).toEqual(rows(reference.library));
  });

  it('workers that die twice on the same files fail the job, their batch unwritten: nothing skipped', async () => {
    killEveryWorker();
    const root = makeTree();
    const ws = workspace();
    const result = await runJob(
      indexerJob,
      { path: root, mode: 'content', batchSize: 100 },
      { store: ws.store, deps: { library: ws.library } },
    ).result;
    expect(result.status).toBe('failed');
    expect(JSON.stringify(result.failure)).toMatch(/ContentIdWorkerDiedError|twice on the same files/);
    expect(hashedCount(ws.library)).toBe(0);
  });
});
