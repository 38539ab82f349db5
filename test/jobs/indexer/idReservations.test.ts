import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { runJob } from '../../../src/machines/runJob.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { tempDir } from '../../machines/helpers.js';

/**
 * Discovery reserves entry ids in ranges that grow with what the run took (1024, 1024, 2048, ... up to 65,536),
 * each reservation its own transaction: a first index of 6,000 entries reserves 4 times (1024 + 1024 + 2048 +
 * 4096 ids), where a range of 1024 every time took 6 (a hundred for the bench's 100,000 files: 51 ms of
 * commits). Every entry still gets an id of its own, below the counter.
 */

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

it('a first index of 6,000 entries reserves its ids 4 times, in growing ranges, every id its own', async () => {
  const dir = tempDir();
  const root = path.join(dir, 'tree');
  for (let d = 0; d < 20; d++) {
    const sub = path.join(root, `d${d}`);
    fs.mkdirSync(sub, { recursive: true });
    for (let f = 0; f < 299; f++) fs.writeFileSync(path.join(sub, `f${f}`), '');
  }
  const library = openLibrary(path.join(dir, 'library.db'));
  open.push(library);
  library.db.exec(`CREATE TEMP TABLE reservations (value TEXT);
    CREATE TEMP TRIGGER count_reservations AFTER INSERT ON library_meta WHEN new.key = 'next_entry_id'
    BEGIN INSERT INTO reservations VALUES (new.value); END;`);
  const before = library.db.prepare('SELECT count(*) FROM reservations').pluck().get() as number;
  const result = await runJob(
    indexerJob,
    { path: root, batchSize: 500 },
    { store: new SqliteStore(library.db), deps: { library } },
  ).result;
  expect(result.status, JSON.stringify(result.failure)).toBe('completed');
  expect(result.output).toMatchObject({ files: 5980, dirs: 20 });
  const counters = (library.db.prepare('SELECT value FROM reservations').pluck().all() as string[])
    .slice(before)
    .map(Number);
  // The first is the location's root entry (one id), then discovery's ranges.
  const sizes = counters.slice(1).map((c, i) => c - counters[i]);
  expect(sizes).toEqual([1024, 1024, 2048, 4096]);
  const ids = library.db.prepare('SELECT id FROM entries').pluck().all() as number[];
  expect(new Set(ids).size).toBe(ids.length);
  expect(Math.max(...ids)).toBeLessThan(counters.at(-1)!);
});
