import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL server the tests use: `PHASEKIT_TEST_PG_URL` (set by `.ci/run`, which starts a private
 * cluster; for a local run: `eval "$(bash test/postgres/startCluster.sh)"`). Without it the PostgreSQL tests
 * skip with a loud message — unless `PHASEKIT_REQUIRE_PG=1`, where its absence fails them.
 */
export const PG_URL: string | undefined = process.env.PHASEKIT_TEST_PG_URL || undefined;

if (PG_URL === undefined) {
  if (process.env.PHASEKIT_REQUIRE_PG === '1') {
    throw new Error(
      'PHASEKIT_REQUIRE_PG=1 but PHASEKIT_TEST_PG_URL is not set: start a cluster with ' +
        '`eval "$(bash test/postgres/startCluster.sh)"` (as .ci/run does).',
    );
  }
  console.warn(
    '\n*** SKIPPING the PostgreSQL tests: PHASEKIT_TEST_PG_URL is not set. ' +
      'Run `eval "$(bash test/postgres/startCluster.sh)"` first (needs Debian\'s postgresql). ***\n',
  );
}

/** A database created for one test file, dropped by `drop()`. */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** Create a fresh, empty database on the test server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `phasekit_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

let schemas = 0;
/** A schema name not used before in this process. */
export function freshSchema(): string {
  schemas += 1;
  return `s${process.pid}_${schemas}`;
}
