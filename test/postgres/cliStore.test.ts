import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexerJob } from '../../src/jobs/indexer/indexerJob.js';
import { enqueue } from '../../src/manager/enqueue.js';
import { PostgresStore } from '../../src/persistence/stores/PostgresStore.js';
import { lastJson, phasekit, requireBuiltCli } from '../e2e/phasekitProcess.js';
import { createTestDatabase, freshSchema, PG_URL, type TestDatabase } from './testDatabase.js';

describe.skipIf(PG_URL === undefined)('the CLI on a shared store (--store postgres://…)', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    requireBuiltCli();
    db = await createTestDatabase();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phasekit-clistore-'));
  });
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists, resumes and cancels the jobs of the shared store, with the file jobs’ deps from the local library', async () => {
    const schema = freshSchema();
    const store = await PostgresStore.open({ connectionString: db.url, schema });
    const tree = path.join(dir, 'tree');
    fs.mkdirSync(path.join(tree, 'sub'), { recursive: true });
    for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(tree, 'sub', `f${i}`), String(i));
    const id = await enqueue(store, indexerJob, { path: tree }, { jobId: 'shared-index' });
    const other = await enqueue(store, indexerJob, { path: tree }, { jobId: 'shared-cancel' });
    await store.close();
    const library = path.join(dir, 'lib.db');
    const args = ['--store', db.url, '--schema', schema, '--library', library];

    const listed = phasekit(['jobs', ...args, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(
      (JSON.parse(listed.stdout) as { id: string; status: string }[]).map((j) => [j.id, j.status]).sort(),
    ).toEqual(
      [
        [id, 'queued'],
        [other, 'queued'],
      ].sort(),
    );

    const resumed = phasekit(['resume', id, ...args, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lastJson(resumed.stdout)).toMatchObject({ status: 'completed', output: { files: 30 } });

    const cancelled = phasekit(['cancel', other, ...args, '--json']);
    expect(cancelled.code, cancelled.stderr).toBe(0);

    const all = phasekit(['jobs', ...args, '--all', '--json']);
    const statuses = Object.fromEntries(
      (JSON.parse(all.stdout) as { id: string; status: string }[]).map((j) => [j.id, j.status]),
    );
    expect(statuses).toEqual({ [id]: 'completed', [other]: 'cancelled' });
  });

  it('says in one line that a URL it cannot reach is unreachable', () => {
    const bad = phasekit([
      'jobs',
      '--store',
      'postgres://nobody:wrong@127.0.0.1:1/none',
      '--library',
      path.join(dir, 'x.db'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const notPg = phasekit(['jobs', '--store', 'mysql://x', '--library', path.join(dir, 'x.db')]);
    expect(notPg.stderr).toMatch(/--store must be a postgres:\/\/ URL/);
  });
});
