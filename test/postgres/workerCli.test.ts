import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueue } from '../../src/manager/enqueue.js';
import { PostgresStore } from '../../src/persistence/stores/PostgresStore.js';
// @ts-expect-error: a plain-JS fixture (worker processes run it from dist/)
import { effectsJob } from './fixtures/effectsJob.mjs';
import { createTestDatabase, PG_URL, type TestDatabase } from './testDatabase.js';
import { assertBuilt } from './workerProcess.js';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const jobModule = fileURLToPath(new URL('./fixtures/cliJobs.mjs', import.meta.url));
const SCHEMA = 'cli';

let db: TestDatabase;
let store: PostgresStore;
beforeAll(async () => {
  if (PG_URL === undefined) return;
  assertBuilt();
  db = await createTestDatabase();
  store = await PostgresStore.open({ connectionString: db.url, schema: SCHEMA, max: 2 });
  await store.pool.query(`CREATE TABLE "${SCHEMA}".effects (job_id text NOT NULL, batch int, item int)`);
});
afterAll(async () => {
  await store?.close();
  await db?.drop();
});

/** Run `phasekit ARGS`; `onLine` sees each stdout line and may stop the process. */
function phasekit(args: string[], onLine?: (line: string, stop: () => void) => void) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PHASEKIT_TEST_SCHEMA: SCHEMA },
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      let end = pending.indexOf('\n');
      while (end >= 0) {
        onLine?.(pending.slice(0, end), () => child.kill('SIGTERM'));
        pending = pending.slice(end + 1);
        end = pending.indexOf('\n');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(PG_URL === undefined)('phasekit worker', () => {
  it('runs queued jobs from a module and stops on SIGTERM with exit 0', async () => {
    for (const id of ['a', 'b', 'c'])
      await enqueue(store, effectsJob, { batches: 2, items: 3 }, { jobId: id });
    const completed = new Set<string>();
    const result = await phasekit(
      [
        'worker',
        '--store',
        db.url,
        '--schema',
        SCHEMA,
        '--module',
        jobModule,
        '--concurrency',
        '2',
        '--json',
      ],
      (line, stop) => {
        const event = JSON.parse(line) as { type: string; jobId?: string };
        if (event.type === 'completed') completed.add(event.jobId!);
        if (completed.size === 3) stop();
      },
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect([...completed].sort()).toEqual(['a', 'b', 'c']);
    const { rows } = await store.pool.query(`SELECT count(*)::int AS n FROM "${SCHEMA}".effects`);
    expect(rows).toEqual([{ n: 3 * 2 * 3 }]);
  });

  it('says in one line, exit 1, that the server cannot be reached', async () => {
    const result = await phasekit([
      'worker',
      '--store',
      'postgres://u:p@127.0.0.1:1/x',
      '--module',
      jobModule,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^phasekit: Cannot reach PostgreSQL at u@127\.0\.0\.1:1\/x \(ECONNREFUSED\)[^\n]*\n$/,
    );
  });

  it('says in one line, exit 1, that the password was wrong, without printing it', async () => {
    const url = new URL(db.url);
    url.password = 'sekrit-wrong';
    const result = await phasekit(['worker', '--store', url.toString(), '--module', jobModule]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^phasekit: PostgreSQL at [^\n]* refused the login \(wrong password\)[^\n]*\n$/,
    );
    expect(result.stderr).not.toContain('sekrit-wrong');
  });

  it('refuses a store that is not a postgres:// URL', async () => {
    const result = await phasekit(['worker', '--store', '/tmp/jobs.db', '--module', jobModule]);
    expect(result).toMatchObject({
      code: 1,
      stderr: 'phasekit: --store must be a postgres:// URL, got "/tmp/jobs.db".\n',
    });
  });
});
