import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import { readAheadDefaults } from '../../../src/jobs/indexer/walk/ReadAhead.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { runJob } from '../../../src/machines/runJob.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { tempDir } from '../../machines/helpers.js';
import { tableRows } from '../../testing/libraryWorld.js';

/** The built worker behind a wrapper that logs the stack it starts from (vitest's globalSetup builds dist/). */
const RECORDING = pathToFileURL(path.resolve(import.meta.dirname, 'fixtures/recordingWalkWorker.mjs'));
const saved = { ...readAheadDefaults };
const savedLog = process.env.PHASEKIT_TEST_WALK_LOG;
afterEach(() => {
  Object.assign(readAheadDefaults, saved, { workerUrl: undefined });
  if (savedLog === undefined) delete process.env.PHASEKIT_TEST_WALK_LOG;
  else process.env.PHASEKIT_TEST_WALK_LOG = savedLog;
});

it("a re-index of a location larger than the inline part reads ahead from the root on (the walk overlaps the read of the library's children)", async () => {
  const dir = tempDir();
  const root = path.join(dir, 'tree');
  for (let d = 0; d < 4; d++) {
    for (let f = 0; f < 8; f++) {
      fs.mkdirSync(path.join(root, `d${d}`), { recursive: true });
      fs.writeFileSync(path.join(root, `d${d}`, `f${f}`), `${d}${f}`);
    }
  }
  const log = path.join(dir, 'walk.log');
  process.env.PHASEKIT_TEST_WALK_LOG = log;
  Object.assign(readAheadDefaults, { workerUrl: RECORDING, inlineFirst: 10 });
  const library = openLibrary(path.join(dir, 'library.db'));
  const starts = async () => {
    fs.rmSync(log, { force: true });
    const result = await runJob(
      indexerJob,
      { path: root, batchSize: 5 },
      { store: new SqliteStore(library.db), deps: { library } },
    ).result;
    expect(result.status).toBe('completed');
    return fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as string[]);
  };
  try {
    // A first index (nothing to read from the library): the first 10 entries inline, then the worker.
    const first = await starts();
    expect(first).toHaveLength(1);
    expect(first[0]).not.toContain('');
    const before = tableRows(library.db).entries;
    // A re-index of 36 entries > 10: the worker starts with the root itself.
    expect(await starts()).toEqual([['']]);
    expect(tableRows(library.db).entries).toEqual(before);
  } finally {
    library.close();
  }
});
