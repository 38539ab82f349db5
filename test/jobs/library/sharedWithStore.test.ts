import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import type { JobMeta } from '../../../src/persistence/types.js';
import { makeTempDir } from '../makeTempDir.js';
import { insertEntries } from '../../../src/jobs/library/entries.js';
import { getLocationByPath, upsertLocation } from '../../../src/jobs/library/locations.js';
import { statementCache } from '../../../src/persistence/stores/statementCache.js';

const meta: JobMeta = {
  name: 'indexer',
  version: 1,
  status: 'running',
  phase: 'processing',
  percent: 10,
  errorsCount: 0,
  updatedAt: 1,
};

describe('the library and the job store share one SQLite file', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  let store: SqliteStore;
  let library: Library;
  beforeEach(() => {
    temp = makeTempDir();
    file = path.join(temp.dir, 'library.db');
    store = new SqliteStore(file);
    library = openLibrary(store.db);
  });
  afterEach(async () => {
    library.close();
    await store.close();
    temp.cleanup();
  });

  const batch = (n: number, from: number) => {
    const location = upsertLocation(library, '/data');
    return Array.from({ length: n }, (_, i) => ({
      locationId: location.id,
      parentId: location.rootEntryId,
      name: Buffer.from(`f${from + i}`),
      kind: 'file' as const,
    }));
  };
  const entryCount = () =>
    library.db.prepare('SELECT count(*) FROM entries WHERE parent_id IS NOT NULL').pluck().get();

  it('commits a batch of entries and the checkpoint in one transaction', async () => {
    await store.save('job-1', Uint8Array.of(1), meta, {
      atomicWith: () => insertEntries(library, batch(100, 0)),
    });
    expect(entryCount()).toBe(100);
    expect((await store.load('job-1'))?.bytes).toEqual(Uint8Array.of(1));
  });

  it('writes neither when the batch fails part-way', async () => {
    await store.save('job-1', Uint8Array.of(1), meta, {
      atomicWith: () => insertEntries(library, batch(10, 0)),
    });
    const failing = [...batch(5, 10), ...batch(1, 0)]; // the last row repeats f0
    await expect(
      store.save('job-1', Uint8Array.of(2), meta, { atomicWith: () => insertEntries(library, failing) }),
    ).rejects.toThrow(/already has an entry "f0"/);
    expect(entryCount()).toBe(10);
    expect((await store.load('job-1'))?.bytes).toEqual(Uint8Array.of(1));
  });

  it('reopens both from the file, each at its own schema version', async () => {
    await store.save('job-1', Uint8Array.of(1), meta, {
      atomicWith: () => insertEntries(library, batch(3, 0)),
    });
    library.close();
    await store.close();
    store = new SqliteStore(file);
    library = openLibrary(store.db);
    expect(entryCount()).toBe(3);
    expect(await store.load('job-1')).toBeDefined();
    const tables = store.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(
      expect.arrayContaining(['phasekit_meta', 'phasekit_jobs', 'library_meta', 'entries']),
    );
  });

  it('prepares statements in one cache for both: what the store prepares, the library holds', async () => {
    expect(library.statements).toBe(statementCache(store.db));
    await store.save('job-1', Uint8Array.of(1), meta, {
      atomicWith: () => insertEntries(library, batch(2, 0)),
    });
    const before = library.statements.size;
    await store.list({ name: 'indexer' }); // a statement only the store prepares
    expect(library.statements.size).toBe(before + 1);
    await store.list({ name: 'indexer' });
    await store.save('job-1', Uint8Array.of(2), meta, {
      atomicWith: () => insertEntries(library, batch(2, 2)),
    });
    expect(library.statements.size).toBe(before + 1); // prepared once, used again
  });

  it('opens the library first and the store second on the same file', async () => {
    library.close();
    await store.close();
    const other = path.join(temp.dir, 'other.db');
    const first = openLibrary(other);
    upsertLocation(first, '/x');
    first.close();
    store = new SqliteStore(other);
    library = openLibrary(store.db);
    expect(getLocationByPath(library, '/x')).toBeDefined();
  });
});
