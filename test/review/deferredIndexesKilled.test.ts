import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { duplicatesJob } from '../../src/jobs/duplicates/duplicatesJob.js';
import { indexerJob } from '../../src/jobs/indexer/indexerJob.js';
import { entriesOfLocation, getEntry, pathOf } from '../../src/jobs/library/entries.js';
import type { Library } from '../../src/jobs/library/Library.js';
import { listLocations } from '../../src/jobs/library/locations.js';
import { openLibrary } from '../../src/jobs/library/openLibrary.js';
import { resumeJob } from '../../src/machines/resumeJob.js';
import { runJob } from '../../src/machines/runJob.js';
import { SqliteStore } from '../../src/persistence/stores/SqliteStore.js';
import { entryIndexes } from '../jobs/indexer/entryIndexes.js';
import { tempDir } from '../machines/helpers.js';

const open: Library[] = [];
afterEach(() => {
  for (const l of open.splice(0)) l.close();
});

function tree(name: string): string {
  const root = path.join(tempDir(), name);
  for (let d = 0; d < 8; d++) {
    fs.mkdirSync(path.join(root, `d${d}`, 'sub'), { recursive: true });
    for (let f = 0; f < 30; f++)
      fs.writeFileSync(path.join(root, `d${d}`, f % 2 ? 'sub' : '', `f${f}`), `${f % 5}`.repeat(f % 7));
  }
  return root;
}

function library() {
  const file = path.join(tempDir(), 'library.db');
  const lib = openLibrary(file);
  open.push(lib);
  return { lib, file, store: new SqliteStore(lib.db) };
}

/** What a library says of its locations, by path: every entry's path, kind, size and totals. */
function contents(lib: Library) {
  const out: Record<string, string[]> = {};
  for (const loc of listLocations(lib)) {
    const rows = [...entriesOfLocation(lib, loc.id)].map((r) => {
      const e = getEntry(lib, r.id)!;
      return `${pathOf(lib, r.id).toString('latin1')} ${e.kind} ${e.size} ${e.aggregateSize} ${e.fileCount} ${e.childCount}`;
    });
    out[Buffer.from(loc.path).toString('latin1')] = rows.sort();
  }
  return out;
}

/**
 * A new library's first index killed while its secondary indexes are dropped (run.stop(): nothing more is
 * written, as after a SIGKILL), then a duplicates run on it and a second location's index, then the killed
 * index resumed: the library ends as clean runs leave it, indexes included, and SQLite finds it sound.
 */
describe('review: a first index killed while its indexes are set aside', () => {
  it('then duplicates, a second location, and the resume: the library of clean runs, indexes included', async () => {
    const a = tree('a');
    const b = tree('b');
    const reference = library();
    for (const root of [a, b]) {
      const r = await runJob(
        indexerJob,
        { path: root, batchSize: 10 },
        { store: reference.store, deps: { library: reference.lib } },
      ).result;
      expect(r.status).toBe('completed');
    }
    const { lib, file, store } = library();
    const fresh = entryIndexes(file);
    const run = runJob(indexerJob, { path: a, batchSize: 10 }, { store, deps: { library: lib } });
    let seen = 0;
    await new Promise<void>((resolve) => {
      run.events$.subscribe((e) => {
        if (e.type === 'checkpointed' && run.position.phase === 'discovery' && ++seen === 6) {
          run.stop(); // the kill: from here on the run writes nothing
          resolve();
        }
      });
    });
    expect(entryIndexes(file)).not.toEqual(fresh);
    const dups = await runJob(duplicatesJob, { location: a }, { store, deps: { library: lib } }).result;
    expect(dups.status, JSON.stringify(dups.failure)).toBe('completed');
    const second = await runJob(indexerJob, { path: b, batchSize: 10 }, { store, deps: { library: lib } })
      .result;
    expect(second.status, JSON.stringify(second.failure)).toBe('completed');
    const resumed = await resumeJob(indexerJob, run.id, { store, deps: { library: lib } });
    const last = await resumed.result;
    expect(last.status, JSON.stringify(last.failure)).toBe('completed');
    expect(entryIndexes(file)).toEqual(fresh);
    expect(lib.db.prepare('SELECT count(*) FROM library_deferred_indexes').pluck().get()).toBe(0);
    expect(lib.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(contents(lib)).toEqual(contents(reference.lib));
  });
});
