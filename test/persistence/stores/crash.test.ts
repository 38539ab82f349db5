/**
 * Kill a real process with SIGKILL in the middle of a loop of saves, then resume from what the store holds.
 *
 * The child runs `src/persistence` transpiled into the temp directory (see `transpilePersistence`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../../src/persistence/decodeEnvelope.js';
import { FileStore } from '../../../src/persistence/stores/FileStore.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import type { SnapshotStore } from '../../../src/persistence/types.js';
import { makeTempDir } from './tempDir.js';
import { transpilePersistence } from './transpilePersistence.js';

const BATCH = 10;

/** Resumes from the store, then saves forever: checkpoint n holds counter n; SQLite batch n adds rows. */
const CHILD = `
import { FileStore } from './lib/stores/FileStore.js';
import { SqliteStore } from './lib/stores/SqliteStore.js';
import { encodeEnvelope } from './lib/encodeEnvelope.js';
import { decodeEnvelope } from './lib/decodeEnvelope.js';
const [kind, dataDir] = process.argv.slice(2);
const store = kind === 'file' ? new FileStore(dataDir) : new SqliteStore(dataDir + '/jobs.db');
let insert;
if (kind === 'sqlite') {
  store.db.exec('CREATE TABLE IF NOT EXISTS results (batch, item, PRIMARY KEY (batch, item))');
  insert = store.db.prepare('INSERT INTO results (batch, item) VALUES (?, ?)');
}
const stored = await store.load('job-1');
const expected = { name: 'crash', version: 1, jobId: 'job-1' };
let counter = stored ? decodeEnvelope(stored.bytes, expected).state.counter : 0;
const filler = Array.from({ length: 500 }, (_, i) => ({ i, path: '/some/path/' + i }));
for (;;) {
  counter++;
  const envelope = {
    format: 'phasekit/1', job: { name: 'crash', version: 1, phases: ['p'] }, jobId: 'job-1', input: null,
    machine: null, state: { counter, filler }, history: [], errors: [],
    progress: {
      phase: 'p', phasePercent: 0, overallPercent: 0, completed: counter, total: 0,
      message: null, elapsedMs: 0,
    },
    createdAt: 0,
  };
  const n = counter;
  await store.save('job-1', encodeEnvelope(envelope),
    { name: 'crash', version: 1, status: 'running', phase: 'p', percent: 0, errorsCount: 0, updatedAt: n },
    { atomicWith: insert && (() => { for (let j = 0; j < ${BATCH}; j++) insert.run(n, j); }) });
  process.stdout.write(n + '\\n');
}
`;

let work: ReturnType<typeof makeTempDir>;

beforeAll(() => {
  work = makeTempDir();
  transpilePersistence(work.dir);
  fs.writeFileSync(path.join(work.dir, 'child.mjs'), CHILD);
});
afterAll(() => work.cleanup());

/** Run the child until it has acknowledged `saves` more saves, SIGKILL it, return the last acknowledged. */
function runAndKill(kind: 'file' | 'sqlite', dataDir: string, saves: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['child.mjs', kind, dataDir], { cwd: work.dir });
    let acknowledged: number[] = [];
    let stderr = '';
    let buffered = '';
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      acknowledged = acknowledged.concat(lines.map(Number));
      if (acknowledged.length >= saves) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acknowledged.at(-1) ?? 0);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

async function resumedCounter(store: SnapshotStore): Promise<number> {
  const stored = (await store.load('job-1'))!;
  const envelope = decodeEnvelope<{ counter: number }>(stored.bytes, {
    name: 'crash',
    version: 1,
    jobId: 'job-1',
  });
  expect(stored.record.updatedAt).toBe(envelope.state.counter);
  return envelope.state.counter;
}

describe('a process killed mid-save', () => {
  it('FileStore: the job file is always whole and holds at least every acknowledged save', async () => {
    const dataDir = path.join(work.dir, 'file-data');
    let previous = 0;
    for (const saves of [7, 23, 41, 3]) {
      const acknowledged = await runAndKill('file', dataDir, saves);
      const store = new FileStore(dataDir);
      const counter = await resumedCounter(store);
      expect(counter).toBeGreaterThanOrEqual(acknowledged);
      expect(counter).toBeGreaterThan(previous);
      expect((await store.list()).map((r) => r.id)).toEqual(['job-1']);
      previous = counter;
    }
  });

  it('SqliteStore: after a kill, every batch is there exactly once, up to the checkpoint', async () => {
    const dataDir = path.join(work.dir, 'sqlite-data');
    fs.mkdirSync(dataDir);
    let previous = 0;
    for (const saves of [5, 31, 17, 60]) {
      // A repeated batch would hit the results primary key and make the child exit instead of being killed.
      const acknowledged = await runAndKill('sqlite', dataDir, saves);
      const store = new SqliteStore(path.join(dataDir, 'jobs.db'));
      try {
        const counter = await resumedCounter(store);
        expect(counter).toBeGreaterThanOrEqual(acknowledged);
        expect(counter).toBeGreaterThan(previous);
        const rows = store.db.prepare('SELECT count(*) AS n, max(batch) AS last FROM results').get();
        expect(rows).toEqual({ n: counter * BATCH, last: counter });
        previous = counter;
      } finally {
        await store.close();
      }
    }
  });
});
