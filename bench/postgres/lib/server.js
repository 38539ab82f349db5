/**
 * The PostgreSQL server the postgres benchmarks use: `PHASEKIT_BENCH_PG_URL` or `PHASEKIT_TEST_PG_URL` when
 * set, else a private cluster started with test/postgres/startCluster.sh (Debian's postgresql) and stopped
 * at the end. Each module gets a fresh database.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** A fresh database: `{ url, drop() }` (drop also stops a cluster started here). */
export async function benchDatabase() {
  let base = process.env.PHASEKIT_BENCH_PG_URL || process.env.PHASEKIT_TEST_PG_URL;
  let clusterDir;
  if (!base) {
    const out = execFileSync('bash', ['test/postgres/startCluster.sh'], { cwd: root, encoding: 'utf8' });
    base = /PHASEKIT_TEST_PG_URL='([^']+)'/.exec(out)[1];
    clusterDir = /PHASEKIT_TEST_PG_DIR='([^']+)'/.exec(out)[1];
  }
  const name = `phasekit_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      if (clusterDir) execFileSync('bash', ['test/postgres/stopCluster.sh', clusterDir], { cwd: root });
    },
  };
}

/** Resolves when `test()` holds, checked every `ms`. */
export async function until(test, ms = 5) {
  while (!(await test())) await new Promise((resolve) => setTimeout(resolve, ms));
}
