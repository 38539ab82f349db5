// A run is typed by its job: `state`, `result.output`; resumeJob returns a promise of one.
import { expectTypeOf } from 'vitest';
import {
  Continue,
  defineJob,
  type JobResult,
  type JobRun,
  MemoryStore,
  resumeJob,
  runJob,
} from '../../src/index.js';

const job = defineJob({
  name: 'sum',
  version: 1,
  initialState: (_input: { values: number[] }) => ({ i: 0, total: 0 }),
  phases: (phase) => [
    phase({
      name: 'add',
      async execute(ctx) {
        for (; ctx.state.i < ctx.input.values.length; ctx.state.i++)
          ctx.state.total += ctx.input.values[ctx.state.i];
        return Continue;
      },
    }),
  ],
  output: (state) => state.total,
});

const store = new MemoryStore();
const run = runJob(job, { values: [1, 2] }, { store });
expectTypeOf(run).toEqualTypeOf<JobRun<number, { i: number; total: number }>>();
expectTypeOf(run.state).toEqualTypeOf<{ i: number; total: number }>();
expectTypeOf(run.result).resolves.toEqualTypeOf<JobResult<number>>();
expectTypeOf<JobResult<number>['output']>().toEqualTypeOf<number | undefined>();
expectTypeOf<JobResult['status']>().toEqualTypeOf<'completed' | 'failed' | 'cancelled' | 'interrupted'>();
expectTypeOf(run.stop).returns.toEqualTypeOf<Promise<void>>();
expectTypeOf(run.pause).returns.toEqualTypeOf<Promise<void>>();
expectTypeOf(run.resume).returns.toEqualTypeOf<Promise<void>>();
expectTypeOf(run.cancel).returns.toEqualTypeOf<Promise<void>>();
// @ts-expect-error the state has no such field
run.state.totl;

export async function again(id: string) {
  const resumed = resumeJob(job, id, { store });
  expectTypeOf(resumed).toEqualTypeOf<Promise<JobRun<number, { i: number; total: number }>>>();
  // @ts-expect-error resumeJob returns a promise: await it first
  resumed.progress$.subscribe(() => {});
  (await resumed).progress$.subscribe((p) => p.overallPercent);
}
