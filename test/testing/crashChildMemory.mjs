// A child-process crash trial module whose job is wrong in a way only a restarted process shows: `collect`
// keeps its items in this module's memory, not in the job's state or data, and `record` writes them in batches
// through `atomicWith`. A resume in the same process still finds them; one in a fresh process records nothing
// more. The SQLite file is named by $CRASH_DB.
import { Continue, defineJob, phase } from '../../dist/index.js';

export const input = { total: 6, batch: 2 };

/** The bug: items kept beside the job, keyed by its id. */
const memory = new Map();

export const job = defineJob({
  name: 'memory',
  version: 1,
  initialState: () => ({ cursor: 0 }),
  phases: [
    phase({
      name: 'collect',
      async execute(ctx) {
        memory.set(
          ctx.jobId,
          Array.from({ length: ctx.input.total }, (_, i) => i + 1),
        );
        return Continue;
      },
    }),
    phase({
      name: 'record',
      async execute(ctx) {
        const items = memory.get(ctx.jobId) ?? [];
        const insert = ctx.deps.db.prepare('INSERT INTO items (id) VALUES (?)');
        while (ctx.state.cursor < items.length) {
          const from = ctx.state.cursor;
          const to = Math.min(items.length, from + ctx.input.batch);
          ctx.state.cursor = to;
          await ctx.checkpoint({
            atomicWith: () => {
              for (let i = from; i < to; i++) insert.run(items[i]);
            },
          });
        }
        return Continue;
      },
    }),
  ],
  output: (state) => ({ rows: state.cursor }),
});

// The same world as the crash sample's: its `items` table on the SQLite file named by $CRASH_DB.
export { reopen } from './crashChildBatches.mjs';
