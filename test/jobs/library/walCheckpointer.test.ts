import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import { readAheadDefaults } from '../../../src/jobs/indexer/walk/ReadAhead.js';
import { WalCheckpointer, walCheckpointerDefaults } from '../../../src/jobs/library/WalCheckpointer.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { runJob } from '../../../src/machines/runJob.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { tempDir } from '../../machines/helpers.js';
import { tableRows } from '../../testing/libraryWorld.js';

/** The built workers (vitest's globalSetup builds dist/): the sources alone never start them. */
const DIST = path.resolve(import.meta.dirname, '../../../dist/jobs');
const CHECKPOINT_WORKER = pathToFileURL(path.join(DIST, 'library/walCheckpointWorker.js'));
const WALK_WORKER = pathToFileURL(path.join(DIST, 'indexer/walk/walkWorker.js'));

const saved = { checkpointer: { ...walCheckpointerDefaults }, readAhead: { ...readAheadDefaults } };
const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
  Object.assign(walCheckpointerDefaults, saved.checkpointer, { workerUrl: undefined });
  Object.assign(readAheadDefaults, saved.readAhead, { workerUrl: undefined });
});

function newLibrary(): { library: Library; file: string } {
  const file = path.join(tempDir(), 'library.db');
  const library = openLibrary(file);
  open.push(library);
  library.db.exec('CREATE TABLE filler (x BLOB)');
  return { library, file };
}

/** About 2 MiB in 20 transactions: 500 pages, fewer than SQLite's automatic checkpoint of 1,000. */
function write(library: Library): void {
  const insert = library.db.prepare('INSERT INTO filler VALUES (randomblob(4096))');
  for (let t = 0; t < 20; t++)
    library.db.transaction(() => {
      for (let i = 0; i < 25; i++) insert.run();
    })();
}

const autocheckpoint = (library: Library) => library.db.pragma('wal_autocheckpoint', { simple: true });

/** Until the database file (not its WAL) holds `bytes`, or 10 s. */
async function fileReaches(file: string, bytes: number): Promise<number> {
  const deadline = performance.now() + 10_000;
  while (fs.statSync(file).size < bytes && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return fs.statSync(file).size;
}

describe('WalCheckpointer', () => {
  it('copies committed WAL frames into the database file from its worker, and gives the connection its own checkpoints back', async () => {
    walCheckpointerDefaults.workerUrl = CHECKPOINT_WORKER;
    const { library, file } = newLibrary();
    const before = fs.statSync(file).size;
    const checkpointer = WalCheckpointer.start(library.db);
    expect(checkpointer).toBeDefined();
    expect(autocheckpoint(library)).toBe(16_384);
    write(library);
    expect(await fileReaches(file, before + 1_000_000)).toBeGreaterThan(before + 1_000_000);
    await checkpointer!.close();
    expect(autocheckpoint(library)).toBe(1000);
  });

  it('without it, the same writes stay in the WAL (what the test above observes)', () => {
    const { library, file } = newLibrary();
    const before = fs.statSync(file).size;
    expect(WalCheckpointer.start(library.db)).toBeUndefined(); // the TypeScript sources: no built worker
    write(library);
    expect(fs.statSync(file).size).toBe(before);
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(2_000_000);
  });

  it('gives the connection its own checkpoints back when its worker fails', async () => {
    const broken = path.join(tempDir(), 'broken.mjs');
    fs.writeFileSync(broken, "throw new Error('cannot start');\n");
    walCheckpointerDefaults.workerUrl = pathToFileURL(broken);
    const { library } = newLibrary();
    const checkpointer = WalCheckpointer.start(library.db);
    expect(checkpointer).toBeDefined();
    await checkpointer!.close();
    expect(autocheckpoint(library)).toBe(1000);
  });

  it('is wanted once the WAL holds 2 MiB, not before (a re-index that writes little starts none)', () => {
    const { library } = newLibrary();
    expect(WalCheckpointer.wanted(library.db)).toBe(false);
    write(library);
    expect(WalCheckpointer.wanted(library.db)).toBe(true);
  });

  it('lets a process whose only work left is waiting for close() finish that wait (exit 0, not 13)', () => {
    const file = path.join(tempDir(), 'library.db');
    const script = `
      const { openLibrary } = await import(${JSON.stringify(`${DIST}/library/openLibrary.js`)});
      const { WalCheckpointer } = await import(${JSON.stringify(`${DIST}/library/WalCheckpointer.js`)});
      const library = openLibrary(${JSON.stringify(file)});
      const checkpointer = WalCheckpointer.start(library.db);
      if (!checkpointer) throw new Error('not started');
      await checkpointer.close();
      library.close();
      console.log('closed');`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect({ status: child.status, stdout: child.stdout.trim(), stderr: child.stderr }).toEqual({
      status: 0,
      stdout: 'closed',
      stderr: '',
    });
  });

  it('is not started for a database in memory', () => {
    walCheckpointerDefaults.workerUrl = CHECKPOINT_WORKER;
    const library = openLibrary(':memory:');
    open.push(library);
    expect(WalCheckpointer.start(library.db)).toBeUndefined();
  });
});

describe("discovery's walk with the WAL checkpointed from a worker", () => {
  function tree(): string {
    const root = path.join(tempDir(), 'tree');
    for (let d = 0; d < 6; d++) {
      fs.mkdirSync(path.join(root, `d${d}`, 'sub'), { recursive: true });
      for (let f = 0; f < 20; f++)
        fs.writeFileSync(path.join(root, `d${d}`, f % 2 ? 'sub' : '', `f${f}.txt`), `${d}.${f}`);
    }
    return root;
  }

  async function index(
    root: string,
    file: string,
    threaded: boolean,
    onDiscoveryCheckpoint?: (library: Library) => void,
  ) {
    Object.assign(
      readAheadDefaults,
      saved.readAhead,
      threaded ? { workerUrl: WALK_WORKER, inlineFirst: 0 } : {},
    );
    walCheckpointerDefaults.workerUrl = threaded ? CHECKPOINT_WORKER : undefined;
    walCheckpointerDefaults.startAfterBytes = 0; // this small tree's WAL never reaches 2 MiB
    const library = openLibrary(file);
    open.push(library);
    const run = runJob(
      indexerJob,
      { path: root, batchSize: 10 },
      { store: new SqliteStore(library.db), deps: { library } },
    );
    run.events$.subscribe((e) => {
      if (e.type === 'checkpointed' && run.position.phase === 'discovery') onDiscoveryCheckpoint?.(library);
    });
    const result = await run.result;
    expect(result.status).toBe('completed');
    return { library, result };
  }

  it('raises the connection’s automatic checkpoint during a threaded walk only, and indexes the same library', async () => {
    const root = tree();
    const during: unknown[] = [];
    const threaded = await index(root, path.join(tempDir(), 'threaded.db'), true, (library) =>
      during.push(autocheckpoint(library)),
    );
    expect(during.length).toBeGreaterThan(5);
    // The first checkpoint commits before the first listing (the worker is not started yet).
    // Raised after the first batch the worker read (the opening checkpoint and two batches commit before), and back
    // for the walk's last batch, which commits after the worker stopped.
    const walk = during.slice(3, -1);
    expect(walk).toEqual(walk.map(() => 16_384));
    expect(during.at(-1)).toBe(1000);
    expect(autocheckpoint(threaded.library)).toBe(1000);
    const inline = await index(root, path.join(tempDir(), 'inline.db'), false);
    expect(tableRows(threaded.library.db)).toEqual(tableRows(inline.library.db));
    expect(threaded.result.output).toEqual(inline.result.output);
  });
});
