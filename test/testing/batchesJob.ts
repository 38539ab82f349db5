import type Database from 'better-sqlite3';
import { Continue, defineJob, phase } from '../../src/index.js';

/**
 * The crash sample (test/fixtures/crash-worker.mjs) as a module: records items 0..total-1 in a SQLite table,
 * a batch at a time, each batch committed with its checkpoint through atomicWith. `uncovered: true` writes
 * the batch before its checkpoint instead, outside it: the mistake crash points must find.
 */
export interface BatchesInput {
  readonly total: number;
  readonly batch: number;
  readonly uncovered?: boolean;
}

export const batchesJob = defineJob<
  { cursor: number; runs: number },
  BatchesInput,
  { db: Database.Database },
  { rows: number }
>({
  name: 'batches',
  version: 1,
  initialState: () => ({ cursor: 0, runs: 0 }),
  phases: [
    phase({
      name: 'prepare',
      async execute(ctx) {
        ctx.state.runs++;
        return Continue;
      },
    }),
    phase({
      name: 'record',
      async execute(ctx) {
        const { total, batch, uncovered } = ctx.input;
        const insert = ctx.deps.db.prepare('INSERT INTO items (id) VALUES (?)');
        while (ctx.state.cursor < total) {
          ctx.checkInterrupt();
          const from = ctx.state.cursor;
          const to = Math.min(total, from + batch);
          const write = () => {
            for (let id = from; id < to; id++) insert.run(id);
          };
          ctx.state.cursor = to;
          if (uncovered) {
            write();
            await ctx.checkpoint();
          } else {
            await ctx.checkpoint({ atomicWith: write });
          }
          ctx.atomicOperationComplete(to, total);
        }
        return Continue;
      },
    }),
    phase({
      name: 'verify',
      async execute() {
        return Continue;
      },
    }),
  ],
  output: (state) => ({ rows: state.cursor }),
});

/** The table the job writes to. */
export function createItems(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS items (id INTEGER NOT NULL)');
}
