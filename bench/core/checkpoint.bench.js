/**
 * Checkpoints of a ~1 MB job state (20,000 file records): encode + save and load + decode with FileStore
 * and SqliteStore, against bare `msgpack.encode` + `fs.writeFileSync` (and a bare better-sqlite3
 * `INSERT OR REPLACE` of the same bytes) of the same state, and the reverse for loading. Target: ≤ 5 ms each.
 *
 * The envelope is a real one: taken from a running job (machine snapshot, history, progress) with the big
 * state in it. Also reported, without targets: where the time goes (codec, checksum, store write, fsync)
 * and the runtime's own path (`JobRun.checkpoint()` on a live job).
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { decode, encode, ExtensionCodec } from '@msgpack/msgpack';
import Database from 'better-sqlite3';
import { Continue, defineJob, phase, runJob } from '../../dist/index.js';
import { crc32 } from '../../dist/persistence/crc32.js';
import { decodeEnvelope } from '../../dist/persistence/decodeEnvelope.js';
import { encodeEnvelope } from '../../dist/persistence/encodeEnvelope.js';
import { FileStore } from '../../dist/persistence/stores/FileStore.js';
import { MemoryStore } from '../../dist/persistence/stores/MemoryStore.js';
import { SqliteStore } from '../../dist/persistence/stores/SqliteStore.js';

const FILES = 20_000;

function bigState() {
  const files = new Array(FILES);
  for (let i = 0; i < FILES; i++) files[i] = { path: `/some/dir/file-${i}.txt`, size: i, mtime: 1.7e12 + i };
  return { cursor: 12_345, files };
}

/**
 * A job of three phases whose second one holds the big state, checkpoints, and then waits on `gate`: the
 * stored checkpoint is a real mid-job envelope, and the live run can be checkpointed again from outside.
 */
function gatedJob(gate, onWaiting) {
  return defineJob({
    name: 'files',
    version: 1,
    initialState: () => bigState(),
    phases: [
      phase({ name: 'scan', execute: async () => Continue }),
      phase({
        name: 'hash',
        async execute(ctx) {
          ctx.atomicOperationComplete(ctx.state.cursor, FILES);
          await ctx.checkpoint({ force: true });
          onWaiting();
          await gate;
          return Continue;
        },
      }),
      phase({ name: 'report', execute: async () => Continue }),
    ],
    output: (state) => state.files.length,
  });
}

/** Start a gated job on `store`; resolves once it waits in `hash`, with `finish()` to let it complete. */
async function liveJob(store) {
  let open;
  const gate = new Promise((resolve) => {
    open = resolve;
  });
  let waiting;
  const ready = new Promise((resolve) => {
    waiting = resolve;
  });
  const definition = gatedJob(gate, () => waiting());
  const run = runJob(definition, {}, { store, jobId: `live-${store.constructor.name}` });
  await ready;
  return {
    definition,
    run,
    finish: async () => {
      open();
      const result = await run.result;
      if (result.status !== 'completed') throw new Error(`live job ended ${result.status}`);
    },
  };
}

export async function run(ctx) {
  const dir = ctx.tmpdir('phasekit-bench-ckpt-');

  // A real mid-job envelope with the big state in it.
  const memory = new MemoryStore();
  const sample = await liveJob(memory);
  const stored = await memory.load(sample.run.id);
  await sample.finish();
  const expect = { name: 'files', version: 1, jobId: 'bench-job' };
  const envelope = { ...decodeEnvelope(stored.bytes, { name: 'files', version: 1 }), jobId: 'bench-job' };
  const meta = { ...stored.record, updatedAt: Date.now() };
  delete meta.id;
  delete meta.createdAt;
  const state = envelope.state;
  const envelopeBytes = encodeEnvelope(envelope);
  const stateBytes = encode(state);

  const files = new FileStore(join(dir, 'files'));
  const sqlite = new SqliteStore(join(dir, 'store.db'));
  await files.save('bench-job', envelopeBytes, meta);
  await sqlite.save('bench-job', envelopeBytes, meta);

  // Anchors: the same state, bare. The bare database gets the store's pragmas (WAL, synchronous=NORMAL).
  const barePath = join(dir, 'bare.msgpack');
  writeFileSync(barePath, stateBytes);
  const bareDb = new Database(join(dir, 'bare.db'));
  bareDb.pragma('journal_mode = WAL');
  bareDb.pragma('synchronous = NORMAL');
  bareDb.exec('CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, bytes BLOB NOT NULL)');
  const insert = bareDb.prepare('INSERT OR REPLACE INTO blobs (id, bytes) VALUES (?, ?)');
  const select = bareDb.prepare('SELECT bytes FROM blobs WHERE id = ?');
  insert.run('bench-job', stateBytes);

  const check = (env) => {
    if (env.state.files.length !== FILES) throw new Error('decoded state is short');
  };
  const m = await ctx.measure(
    {
      fileSave: { fn: () => files.save('bench-job', encodeEnvelope(touch(envelope)), meta) },
      bareFileSave: { fn: () => writeFileSync(barePath, encode(touch(envelope).state)) },
      fileLoad: {
        fn: async () => check(decodeEnvelope((await files.load('bench-job')).bytes, expect)),
      },
      bareFileLoad: { fn: () => check({ state: decode(readFileSync(barePath)) }) },
      sqliteSave: { fn: () => sqlite.save('bench-job', encodeEnvelope(touch(envelope)), meta) },
      bareSqliteSave: { fn: () => insert.run('bench-job', encode(touch(envelope).state)) },
      sqliteLoad: {
        fn: async () => check(decodeEnvelope((await sqlite.load('bench-job')).bytes, expect)),
      },
      bareSqliteLoad: { fn: () => check({ state: decode(select.get('bench-job').bytes) }) },
    },
    { rounds: 21, warmupRounds: 3, minSampleMs: 15 },
  );
  const sizes =
    `envelope ${(envelopeBytes.byteLength / 1e6).toFixed(2)} MB, bare state ` +
    `${(stateBytes.byteLength / 1e6).toFixed(2)} MB`;
  const rows = [
    [
      'checkpoint: FileStore encode+save, 1 MB',
      'fileSave',
      'bareFileSave',
      'msgpack.encode+writeFileSync',
      sizes,
    ],
    ['checkpoint: FileStore load+decode, 1 MB', 'fileLoad', 'bareFileLoad', 'readFileSync+msgpack.decode'],
    [
      'checkpoint: SqliteStore encode+save, 1 MB',
      'sqliteSave',
      'bareSqliteSave',
      'msgpack.encode+INSERT OR REPLACE',
    ],
    ['checkpoint: SqliteStore load+decode, 1 MB', 'sqliteLoad', 'bareSqliteLoad', 'SELECT+msgpack.decode'],
  ];
  for (const [name, subject, anchor, anchorLabel, note] of rows) {
    ctx.reportVs(m, {
      name,
      subject,
      anchor,
      anchorLabel,
      unit: 'ms/op',
      target: { max: 5 },
      ...(note ? { note } : {}),
    });
  }

  // The runtime's own path on live jobs: snapshot, progress, envelope, encode, save.
  const liveSqliteStore = new SqliteStore(join(dir, 'live.db'));
  const liveFile = await liveJob(new FileStore(join(dir, 'live')));
  const liveSqlite = await liveJob(liveSqliteStore);
  const live = await ctx.measure(
    {
      file: { fn: () => touch(liveFile.run) && liveFile.run.checkpoint() },
      bareFileSave: { fn: () => writeFileSync(barePath, encode(touch(envelope).state)) },
      sqlite: { fn: () => touch(liveSqlite.run) && liveSqlite.run.checkpoint() },
      bareSqliteSave: { fn: () => insert.run('bench-job', encode(touch(envelope).state)) },
    },
    { rounds: 15, warmupRounds: 2, minSampleMs: 15 },
  );
  ctx.reportVs(live, {
    name: 'checkpoint: JobRun.checkpoint() live job, FileStore',
    subject: 'file',
    anchor: 'bareFileSave',
    anchorLabel: 'msgpack.encode+writeFileSync',
    unit: 'ms/op',
    target: { max: 5 },
  });
  ctx.reportVs(live, {
    name: 'checkpoint: JobRun.checkpoint() live job, SqliteStore',
    subject: 'sqlite',
    anchor: 'bareSqliteSave',
    anchorLabel: 'msgpack.encode+INSERT OR REPLACE',
    unit: 'ms/op',
    target: { max: 5 },
  });
  await liveFile.finish();
  await liveSqlite.finish();
  await liveSqliteStore.close();

  // Where the time goes: each part alone, against the bare operation it wraps.
  const body = encode(envelope, { ignoreUndefined: true });
  // Saves of ready bytes alternate between two versions that differ in every record (see touch).
  const versions = [encodeEnvelope(touch(envelope)), encodeEnvelope(touch(envelope))];
  const alternate = () => {
    let i = 0;
    return () => {
      i ^= 1;
      return versions[i];
    };
  };
  const [forFileStore, forFsync, forWrite, forSqliteStore, forInsert] = Array.from({ length: 5 }, alternate);
  const fsyncPath = join(dir, 'bare-fsync.msgpack');
  const insertId = 'split-job';
  const split = await ctx.measure(
    {
      bareEncode: { fn: () => encode(state) },
      strictEncode: { fn: () => encode(state, STRICT_OPTIONS) },
      encodeEnvelope: { fn: () => encodeEnvelope(envelope) },
      crc32: { fn: () => crc32(body) },
      ...(zlib.crc32 ? { zlibCrc32: { fn: () => zlib.crc32(body) } } : {}),
      fileStoreSave: { fn: () => files.save('bench-job', forFileStore(), meta) },
      writeFsyncRename: { fn: () => writeFsyncRename(fsyncPath, forFsync()) },
      writeFileSync: { fn: () => writeFileSync(fsyncPath, forWrite()) },
      sqliteStoreSave: { fn: () => sqlite.save('bench-job', forSqliteStore(), meta) },
      bareInsert: { fn: () => insert.run(insertId, forInsert()) },
      bareDecode: { fn: () => decode(stateBytes) },
      decodeEnvelope: { fn: () => decodeEnvelope(envelopeBytes, expect) },
    },
    { rounds: 11, warmupRounds: 2, minSampleMs: 15 },
  );
  const parts = [
    ['split: encodeEnvelope (codec + crc32)', 'encodeEnvelope', 'bareEncode', 'msgpack.encode(state)'],
    ['split: msgpack.encode with the strict codec', 'strictEncode', 'bareEncode', 'msgpack.encode(state)'],
    ['split: crc32 of the 1 MB body (JS table)', 'crc32', 'bareEncode', 'msgpack.encode(state)'],
    ...(zlib.crc32 ? [['split: zlib.crc32 of the same body', 'zlibCrc32', 'crc32', 'crc32 (JS table)']] : []),
    [
      'split: FileStore.save of encoded bytes',
      'fileStoreSave',
      'writeFsyncRename',
      'write+fsync+rename+fsync dir',
    ],
    ['split: write+fsync+rename+fsync dir', 'writeFsyncRename', 'writeFileSync', 'writeFileSync, no fsync'],
    [
      'split: SqliteStore.save of encoded bytes',
      'sqliteStoreSave',
      'bareInsert',
      'INSERT OR REPLACE, same bytes',
    ],
    ['split: decodeEnvelope (crc32 + codec)', 'decodeEnvelope', 'bareDecode', 'msgpack.decode(state)'],
  ];
  for (const [name, subject, anchor, anchorLabel] of parts) {
    ctx.reportVs(split, { name, subject, anchor, anchorLabel, unit: 'ms/op' });
  }

  bareDb.close();
  await sqlite.close();
}

let generation = 0;
/**
 * Change every record of `holder.state` (a fixed-width field, so the layout stays) before a save. Saving
 * the same bytes again would flatter SqliteStore: its upsert updates the row in place and SQLite skips
 * overflow pages whose content did not change, which INSERT OR REPLACE (the anchor) never does.
 */
function touch(holder) {
  generation++;
  const files = holder.state.files;
  for (let i = 0; i < files.length; i++) files[i].mtime = 1.7e12 + i + generation;
  return holder;
}

/** The options encodeEnvelope gives msgpack: a codec that refuses Map, Set and own `__proto__` keys. */
const strictCodec = new ExtensionCodec();
strictCodec.register({
  type: 0,
  encode(value) {
    if (value instanceof Map || value instanceof Set) throw new TypeError('Map or Set');
    if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__'))
      throw new TypeError('__proto__');
    return null;
  },
  decode() {
    throw new TypeError('never written');
  },
});
const STRICT_OPTIONS = { ignoreUndefined: true, extensionCodec: strictCodec, maxDepth: 1000 };

/** What a durable file write costs at the least: temp file, fsync, rename, fsync of the directory. */
function writeFsyncRename(path, bytes) {
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  const d = openSync(join(path, '..'), 'r');
  try {
    fsyncSync(d);
  } finally {
    closeSync(d);
  }
}
