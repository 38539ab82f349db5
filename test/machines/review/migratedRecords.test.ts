import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Continue, defineJob, phase, resumeJob, runJob } from '../../../src/index.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { tempDir } from '../helpers.js';

/**
 * A migration may change the history and the errors it is handed (`SnapshotMigration` returns them): the
 * resumed job goes on with what it returned. Before, the job went on from the machine's context, which still
 * held the old lists, and the migration's changes were silently dropped.
 */

const v1 = defineJob({
  name: 'records',
  version: 1,
  initialState: () => ({ n: 0 }),
  phases: [
    phase({
      name: 'a',
      async execute(ctx) {
        ctx.addNonFatalError(new Error('odd file'), { path: '/x' });
        ctx.addNonFatalError(new Error('dropped later'), { path: '/y' });
        await ctx.checkpoint({ force: true });
        await new Promise(() => {});
        return Continue;
      },
    }),
    phase({ name: 'b', execute: async () => Continue }),
  ],
});

const v2 = (migrate: 'lists' | 'nothing') =>
  defineJob({
    name: 'records',
    version: 2,
    initialState: () => ({ n: 0 }),
    migrations: {
      1: (c) =>
        migrate === 'nothing'
          ? c
          : {
              ...c,
              errors: c.errors
                .filter((e) => e.message !== 'dropped later')
                .map((e) => ({ ...e, message: `${e.message} (renamed by v2)` })),
              history: c.history.map((h) => (h.phase === 'a' ? { ...h, startedAt: 1234 } : h)),
            },
    },
    phases: [
      phase({ name: 'a', execute: async () => Continue }),
      phase({ name: 'b', execute: async () => Continue }),
    ],
  });

async function stoppedWithErrors(jobId: string) {
  const store = new SqliteStore(path.join(tempDir(), 'jobs.db'));
  const run = runJob(v1, undefined, { store, jobId });
  await new Promise<void>((resolve) => {
    let errors = 0;
    const sub = run.events$.subscribe((e) => {
      if (e.type === 'nonFatalError') errors++;
      if (e.type === 'checkpointed' && errors === 2) {
        sub.unsubscribe();
        resolve();
      }
    });
  });
  await run.stop();
  return store;
}

describe('history and errors returned by a migration', () => {
  it('are what the resumed job goes on with', async () => {
    const store = await stoppedWithErrors('records-1');
    const result = await (await resumeJob(v2('lists'), 'records-1', { store })).result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(result.errors.map((e) => e.message)).toEqual(['odd file (renamed by v2)']);
    // Errors that happened are still counted: the migration dropped a record, not the fact.
    expect(result.errorCount).toBe(2);
    expect(result.history.find((h) => h.phase === 'a')?.startedAt).toBe(1234);
    expect(result.errors.every((e) => Object.isFrozen(e))).toBe(true);
    store.close();
  });

  it('returned unchanged, leave the job as it was', async () => {
    const store = await stoppedWithErrors('records-2');
    const result = await (await resumeJob(v2('nothing'), 'records-2', { store })).result;
    expect(result.status).toBe('completed');
    expect(result.errors.map((e) => e.message)).toEqual(['odd file', 'dropped later']);
    expect(result.errorCount).toBe(2);
    store.close();
  });
});
