import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import {
  BackgroundCheckpointer,
  backgroundCheckpointerDefaults,
} from '../../../src/jobs/library/BackgroundCheckpointer.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { runJob } from '../../../src/machines/runJob.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { runCrashPoints } from '../../../src/testing/runCrashPoints.js';
import { tempDir } from '../../machines/helpers.js';
import { libraryWorld, tableRows } from '../../testing/libraryWorld.js';
import { entryIndexes } from '../indexer/entryIndexes.js';

/** The built worker (vitest's globalSetup builds dist/): the sources alone never start one. */
const WORKER = pathToFileURL(
  path.resolve(import.meta.dirname, '../../../dist/jobs/library/walCheckpointWorker.js'),
);
const saved = { ...backgroundCheckpointerDefaults };
afterEach(() => Object.assign(backgroundCheckpointerDefaults, saved, { workerUrl: undefined }));

const autocheckpoint = (library: { db: { pragma(s: string, o: object): unknown } }) =>
  library.db.pragma('wal_autocheckpoint', { simple: true });

/** Write about `pages` pages of the library's file in one transaction. */
function writePages(library: ReturnType<typeof openLibrary>, pages: number): void {
  library.db.transaction(() => {
    const at = library.statements.get('INSERT INTO library_deferred_indexes (name, sql) VALUES (?, ?)');
    for (let i = 0; i < pages; i++) at.run(`x${Math.random()}`, 'x'.repeat(3500));
  })();
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let waited = 0; !ok(); waited += 5) {
    if (waited > 20_000) throw new Error(`never: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

it('checkpoints the WAL from its own thread while the connection does not, and gives the connection its checkpoints back', async () => {
  backgroundCheckpointerDefaults.workerUrl = WORKER;
  const file = path.join(tempDir(), 'library.db');
  const library = openLibrary(file);
  try {
    expect(autocheckpoint(library)).toBe(1000);
    const checkpointer = BackgroundCheckpointer.start(library)!;
    expect(checkpointer).not.toBeNull();
    expect(autocheckpoint(library)).toBe(0);
    const before = fs.statSync(file).size;
    // Past 1000 pages the connection would have checkpointed itself; it no longer does.
    for (let i = 0; i < 6; i++) writePages(library, 300);
    expect(fs.statSync(file).size).toBe(before);
    checkpointer.nudge();
    // Measured from outside: only a checkpoint writes the database file, and this connection makes none.
    await until('a background checkpoint', () => checkpointer.checkpoints > 0);
    await until('the file written', () => fs.statSync(file).size > before + 1000 * 4096);
    await checkpointer.stop();
    expect(autocheckpoint(library)).toBe(1000);
    checkpointer.nudge(); // after stop: nothing
    expect(library.db.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    library.close();
  }
});

it('a worker that fails gives the connection its checkpoints back at once', async () => {
  backgroundCheckpointerDefaults.workerUrl = pathToFileURL(
    path.resolve(import.meta.dirname, 'fixtures/failingCheckpointWorker.mjs'),
  );
  const library = openLibrary(path.join(tempDir(), 'library.db'));
  try {
    const checkpointer = BackgroundCheckpointer.start(library)!;
    expect(autocheckpoint(library)).toBe(0);
    await until('checkpoints given back', () => autocheckpoint(library) === 1000);
    await checkpointer.stop();
    expect(autocheckpoint(library)).toBe(1000);
  } finally {
    library.close();
  }
});

it('starts nothing for an in-memory library, one not in WAL mode, without the built worker, or when turned off', () => {
  backgroundCheckpointerDefaults.workerUrl = WORKER;
  const memory = openLibrary(':memory:');
  expect(BackgroundCheckpointer.start(memory)).toBeNull();
  memory.close();
  const library = openLibrary(path.join(tempDir(), 'library.db'));
  try {
    library.db.pragma('journal_mode = DELETE');
    expect(BackgroundCheckpointer.start(library)).toBeNull();
    library.db.pragma('journal_mode = WAL');
    backgroundCheckpointerDefaults.enabled = false;
    expect(BackgroundCheckpointer.start(library)).toBeNull();
    backgroundCheckpointerDefaults.enabled = true;
    backgroundCheckpointerDefaults.workerUrl = pathToFileURL(path.join(tempDir(), 'missing.js'));
    expect(BackgroundCheckpointer.start(library)).toBeNull();
    expect(autocheckpoint(library)).toBe(1000);
  } finally {
    library.close();
  }
});

/** A tree of `dirs` directories of `files` files. */
function tree(dirs: number, files: number): string {
  const root = path.join(tempDir(), 'tree');
  for (let d = 0; d < dirs; d++) {
    fs.mkdirSync(path.join(root, `d${d}`, `e${d % 3}`), { recursive: true });
    for (let f = 0; f < files; f++)
      fs.writeFileSync(path.join(root, `d${d}`, `e${d % 3}`, `f${f}`), `${d}.${f}`);
  }
  return root;
}

it("a first index with it writes the library a run without it writes, and leaves the connection's checkpoints as they were", async () => {
  const root = tree(20, 30);
  const rows: unknown[] = [];
  for (const on of [false, true]) {
    backgroundCheckpointerDefaults.workerUrl = on ? WORKER : pathToFileURL(path.join(tempDir(), 'none.js'));
    const library = openLibrary(path.join(tempDir(), 'library.db'));
    const started = backgroundCheckpointerDefaults.started;
    try {
      const result = await runJob(
        indexerJob,
        { path: root, batchSize: 50 },
        { store: new SqliteStore(library.db), deps: { library } },
      ).result;
      expect(result.status).toBe('completed');
      expect(autocheckpoint(library)).toBe(1000);
      expect(backgroundCheckpointerDefaults.started - started).toBe(on ? 1 : 0);
      rows.push({ output: result.output, tables: tableRows(library.db) });
    } finally {
      library.close();
    }
  }
  expect(rows[1]).toEqual(rows[0]);
});

it('crash points of a first index with background checkpoints: each point crashed and resumed ends as an uninterrupted run', async () => {
  backgroundCheckpointerDefaults.workerUrl = WORKER;
  const root = tree(4, 6);
  const file = path.join(tempDir(), 'crash.db');
  const world = libraryWorld(file, { extra: () => entryIndexes(file) });
  const report = await runCrashPoints(
    indexerJob,
    { path: root, batchSize: 4 },
    {
      setup: world.fresh,
      normalize: (o) => ({ ...o, state: { ...(o.state as object), nextId: 0, endId: 0 } }),
    },
  );
  expect(report.reference.status).toBe('completed');
  expect(report.points.length).toBeGreaterThanOrEqual(10);
  expect(report.unreached).toEqual([]);
  expect(report.mismatches.map((m) => m.message)).toEqual([]);
});
