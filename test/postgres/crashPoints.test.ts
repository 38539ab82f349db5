import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Continue, defineJob, phase } from '../../src/index.js';
import { PostgresStore } from '../../src/persistence/stores/PostgresStore.js';
import { runCrashPoints } from '../../src/testing/index.js';
import type { CrashTrial } from '../../src/testing/CrashTrial.js';
import { createTestDatabase, freshSchema, PG_URL, type TestDatabase } from './testDatabase.js';

interface S {
  next: number;
}
/** 40 items in batches of 8, each batch's rows written through atomicWith in the checkpoint's transaction. */
const job = defineJob<S, unknown, { schema: string }>({
  name: 'pg-batches',
  version: 1,
  initialState: () => ({ next: 0 }),
  phases: [
    phase<S, unknown, { schema: string }>({
      name: 'record',
      async execute(ctx) {
        while (ctx.state.next < 40) {
          const from = ctx.state.next;
          ctx.state.next = Math.min(40, from + 8);
          await ctx.checkpoint({
            atomicWith: async (client: pg.PoolClient) => {
              for (let i = from; i < ctx.state.next; i++)
                await client.query(`INSERT INTO ${ctx.deps.schema}.effects (item) VALUES ($1)`, [i]);
            },
          });
          ctx.checkInterrupt();
        }
        return Continue;
      },
    }),
    phase<S>({ name: 'report', execute: async () => Continue }),
  ],
});

describe.skipIf(PG_URL === undefined)('crash points on PostgresStore', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('resumes at every point with each batch exactly once: the rows commit with their checkpoint', async () => {
    let schema = '';
    const open = async (): Promise<CrashTrial<{ schema: string }>> => {
      const store = await PostgresStore.open({ connectionString: db.url, schema, max: 2 });
      return {
        store,
        deps: { schema },
        effects: async () => {
          const client = new pg.Client({ connectionString: db.url });
          await client.connect();
          try {
            return (await client.query(`SELECT item FROM ${schema}.effects ORDER BY item`)).rows.map(
              (r) => r.item,
            );
          } finally {
            await client.end();
          }
        },
        reopen: open,
        close: () => store.close(),
      };
    };
    const setup = async () => {
      schema = freshSchema();
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        await client.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.effects (item int NOT NULL)`);
      } finally {
        await client.end();
      }
      return open();
    };
    const report = await runCrashPoints(job, {}, { setup });
    expect(report.trials.length).toBeGreaterThanOrEqual(20);
    expect(report.unreached).toEqual([]);
    expect(report.mismatches).toEqual([]);
    expect(report.reference.effects).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});
