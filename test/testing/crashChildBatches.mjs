// A child-process crash trial module (runCrashPoints' childProcess mode): the crash sample's batches job on
// the SQLite file named by $CRASH_DB, the store and the job sharing one connection. $CRASH_TWO_TX=1 makes the
// store commit the caller's writes and the checkpoint in two transactions (the mutation to catch).
import { Continue, defineJob, phase } from '../../dist/index.js';
import { SqliteStore } from '../../dist/sqlite.js';

export const input = { total: 30, batch: 10 };

export const job = defineJob({
  name: 'batches',
  version: 1,
  initialState: () => ({ cursor: 0 }),
  phases: [
    phase({
      name: 'record',
      async execute(ctx) {
        const insert = ctx.deps.db.prepare('INSERT INTO items (id) VALUES (?)');
        while (ctx.state.cursor < ctx.input.total) {
          const from = ctx.state.cursor;
          const to = Math.min(ctx.input.total, from + ctx.input.batch);
          ctx.state.cursor = to;
          await ctx.checkpoint({
            atomicWith: () => {
              for (let id = from; id < to; id++) insert.run(id);
            },
          });
        }
        return Continue;
      },
    }),
  ],
  output: (state) => ({ rows: state.cursor }),
});

/** The world on the data in $CRASH_DB. */
export function reopen() {
  const store = new SqliteStore(process.env.CRASH_DB);
  const db = store.db;
  db.exec('CREATE TABLE IF NOT EXISTS items (id INTEGER NOT NULL)');
  const twoTransactions = {
    atomic: true,
    async save(id, bytes, meta, opts = {}) {
      if (opts.atomicWith) db.transaction(opts.atomicWith)();
      return store.save(id, bytes, meta, opts.fence === undefined ? {} : { fence: opts.fence });
    },
    load: (id) => store.load(id),
    list: (filter) => store.list(filter),
  };
  return {
    store: process.env.CRASH_TWO_TX === '1' ? twoTransactions : store,
    deps: { db },
    effects: () => db.prepare('SELECT id FROM items ORDER BY rowid').all(),
    freeze: () => db.pragma('query_only = ON'),
    reopen,
    close: () => store.close(),
  };
}
