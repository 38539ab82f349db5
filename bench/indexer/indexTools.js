/**
 * What the indexer benchmarks run, shared by `indexer.bench.js` and `profileShallow.js`: one index like the
 * CLI's (library and SqliteStore on one connection of a db file), the bare anchor (`find -printf` + one
 * better-sqlite3 transaction), a store that writes batches in plain transactions (no checkpoint row), and the
 * sampled-bytes stream for b3sum.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import Database from 'better-sqlite3';
import { runJob } from '../../dist/index.js';
import { SqliteStore } from '../../dist/persistence/stores/SqliteStore.js';
import { indexerJob } from '../../dist/jobs/indexer/indexerJob.js';
import { openLibrary } from '../../dist/jobs/library/openLibrary.js';
import { migration001 } from '../../dist/jobs/library/migrations/001_initial.js';
import { sampledRanges } from '../../dist/jobs/content/contentId.js';

/**
 * "Checkpoints disabled": a store that runs each batch's `atomicWith` in a plain transaction on the
 * connection and writes no checkpoint row. The runtime still encodes the envelope (it does so before calling
 * the store), so against SqliteStore this isolates the checkpoint *write*; the huge-batch variant of the bench
 * gives the whole checkpoint-per-batch cost (encode + write + commit per batch).
 */
export class PlainTransactionStore {
  atomic = true;
  constructor(db) {
    this.db = db;
    this.tx = db.transaction((fn) => {
      const r = fn?.();
      if (r && typeof r.then === 'function') throw new TypeError('atomicWith returned a promise');
    });
  }
  async save(_jobId, _bytes, _meta, opts = {}) {
    this.tx(opts.atomicWith);
  }
  async load() {
    return undefined;
  }
  async list() {
    return [];
  }
  async setStatus() {}
  async delete() {}
  async close() {}
}

/**
 * Wraps a store to account for time: `batchMs` inside the savers' `atomicWith` (the batch writes) and
 * `saveMs` the rest of `save` (BEGIN, the checkpoint row if any, COMMIT), summed over the run, and the bytes
 * of the last checkpoint. The stores do all their work synchronously inside `save()`, so timing the call up
 * to its return (before awaiting its promise) leaves out event-loop waits.
 */
export class TimedStore {
  constructor(inner) {
    this.inner = inner;
    this.atomic = inner.atomic;
    this.saveMs = 0;
    this.batchMs = 0;
    this.saves = 0;
    this.lastBytes = undefined;
  }
  save(jobId, bytes, meta, opts) {
    let inside = 0;
    const atomicWith = opts?.atomicWith;
    const timed = atomicWith && {
      atomicWith: () => {
        const a = performance.now();
        try {
          return atomicWith();
        } finally {
          inside += performance.now() - a;
        }
      },
    };
    const t0 = performance.now();
    const done = this.inner.save(jobId, bytes, meta, timed || opts);
    this.saveMs += performance.now() - t0 - inside;
    this.batchMs += inside;
    this.saves++;
    this.lastBytes = bytes;
    return done;
  }
  load(jobId) {
    return this.inner.load(jobId);
  }
  list(filter) {
    return this.inner.list(filter);
  }
  setStatus(jobId, status) {
    return this.inner.setStatus?.(jobId, status);
  }
  delete(jobId) {
    return this.inner.delete?.(jobId);
  }
  close() {
    return this.inner.close?.();
  }
}

/**
 * Index `root` into the library file `dbFile` (created if new) like `phasekit index` does: openLibrary on the
 * file, SqliteStore on its connection (or a PlainTransactionStore when `plain`), runJob, close.
 * @returns {{ output, ms, phases: Record<string, number>, checkpoints: number, checkpointBytes: number,
 *   lastCheckpointBytes: number, saveMs: number, batchMs: number, lastBytes: Uint8Array }} `saveMs`: time in
 *   the store's `save` outside the batch writes (see TimedStore); `batchMs`: inside them.
 */
export async function indexOnce(
  root,
  dbFile,
  { mode = 'shallow', batchSize, concurrency, plain = false, pragmas = [] } = {},
) {
  const t0 = performance.now();
  const library = openLibrary(dbFile);
  for (const p of pragmas) library.db.pragma(p); // for experiments, e.g. 'cache_size = -65536'
  const store = new TimedStore(plain ? new PlainTransactionStore(library.db) : new SqliteStore(library.db));
  try {
    const input = {
      path: root,
      mode,
      ...(batchSize ? { batchSize } : {}),
      ...(concurrency ? { concurrency } : {}),
    };
    const run = runJob(indexerJob, input, { store, deps: { library } });
    const phases = {};
    const started = {};
    let checkpoints = 0;
    let checkpointBytes = 0;
    let lastCheckpointBytes = 0;
    const sub = run.events$.subscribe((e) => {
      if (e.type === 'phaseStarted') started[e.phase] = performance.now();
      else if (e.type === 'phaseCompleted') phases[e.phase] = performance.now() - started[e.phase];
      else if (e.type === 'checkpointed') {
        checkpoints++;
        checkpointBytes += e.bytes;
        lastCheckpointBytes = e.bytes;
      }
    });
    const result = await run.result;
    sub.unsubscribe();
    if (result.status !== 'completed') {
      throw new Error(
        `indexer ended ${result.status}: ${JSON.stringify(result.errors?.slice(0, 2) ?? result)}`,
      );
    }
    return {
      output: result.output,
      ms: performance.now() - t0,
      phases,
      checkpoints,
      checkpointBytes,
      lastCheckpointBytes,
      saveMs: store.saveMs,
      batchMs: store.batchMs,
      lastBytes: store.lastBytes,
    };
  } finally {
    await store.close?.();
    library.close();
  }
}

/**
 * The anchor of a shallow index: `find DIR -printf '%p %s %T@ %i\n' > list`, then every line parsed and
 * inserted with one prepared statement in one transaction into a fresh db file holding the library's schema
 * (same table, same indexes; WAL + synchronous=NORMAL like the library).
 * @returns {{ rows: number, findMs: number, insertMs: number }} `insertMs`: parse + open + insert + commit.
 */
export function anchorIndex(root, listFile, dbFile) {
  const t0 = performance.now();
  execFileSync('sh', ['-c', `find "$1" -printf '%p %s %T@ %i\\n' > "$2"`, 'sh', root, listFile]);
  const t1 = performance.now();
  const text = readFileSync(listFile, 'latin1');
  const db = new Database(dbFile);
  let rows = 0;
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(migration001.sql);
    const insert = db.prepare(
      `INSERT INTO entries (id, location_id, parent_id, name, name_text, extension, kind, size, inode, mtime_ms)
       VALUES (?, 1, ?, ?, ?, ?, 'file', ?, ?, ?)`,
    );
    const ids = new Map();
    let n = 0;
    db.transaction(() => {
      let start = 0;
      for (;;) {
        const end = text.indexOf('\n', start);
        if (end < 0) break;
        // Parse from the right: `path size mtime inode`.
        const s3 = text.lastIndexOf(' ', end - 1);
        const s2 = text.lastIndexOf(' ', s3 - 1);
        const s1 = text.lastIndexOf(' ', s2 - 1);
        const path = text.slice(start, s1);
        const slash = path.lastIndexOf('/');
        const name = path.slice(slash + 1);
        const dot = name.lastIndexOf('.');
        const id = ++n;
        ids.set(path, id);
        insert.run(
          id,
          ids.get(path.slice(0, slash)) ?? null,
          Buffer.from(name, 'latin1'),
          name,
          dot > 0 ? name.slice(dot + 1) : null,
          Number(text.slice(s1 + 1, s2)),
          Number(text.slice(s3 + 1, end)),
          Number(text.slice(s2 + 1, s3)) * 1000,
        );
        start = end + 1;
      }
    })();
    rows = n;
  } finally {
    db.close();
  }
  return { rows, findMs: t1 - t0, insertMs: performance.now() - t1 };
}

/**
 * The bytes the content ids of every non-empty file under `root` hash (per file: 8-byte little-endian size,
 * then its `sampledRanges`), concatenated into `out`, made once and kept (keyed by `out + '.json'`).
 * Returns `{ file, bytes, files, lengths }` (`lengths`: each file's hashed input length, in order).
 */
export function sampledStream(root, out) {
  const meta = `${out}.json`;
  if (existsSync(meta) && existsSync(out)) return { file: out, ...JSON.parse(readFileSync(meta, 'utf8')) };
  const list = execFileSync('find', [root, '-type', 'f', '-size', '+0', '-printf', '%s %p\\n'], {
    encoding: 'latin1',
    maxBuffer: 1 << 28,
  });
  const tmp = `${out}.partial`;
  const fd = openSync(tmp, 'w');
  const buf = Buffer.allocUnsafe(200 * 1024);
  const lengths = [];
  let bytes = 0;
  try {
    for (const line of list.split('\n')) {
      if (!line) continue;
      const sp = line.indexOf(' ');
      const size = Number(line.slice(0, sp));
      const file = line.slice(sp + 1);
      buf.writeUInt32LE(size % 2 ** 32, 0);
      buf.writeUInt32LE(Math.floor(size / 2 ** 32), 4);
      let at = 8;
      const src = openSync(Buffer.from(file, 'latin1'), 'r');
      try {
        for (const [offset, length] of sampledRanges(size)) {
          let got = 0;
          while (got < length) got += readSync(src, buf, at + got, length - got, offset + got);
          at += length;
        }
      } finally {
        closeSync(src);
      }
      writeSync(fd, buf, 0, at);
      lengths.push(at);
      bytes += at;
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, out);
  writeFileSync(meta, JSON.stringify({ bytes, files: lengths.length, lengths }));
  return { file: out, bytes, files: lengths.length, lengths };
}
