// Types flow from the job to its phases: state from initialState's result, input from its parameter, deps from
// `deps: depsType<D>()`; no phase is annotated.
import { expectTypeOf } from 'vitest';
import {
  type ChainablePhase,
  Continue,
  chain,
  defineJob,
  depsType,
  group,
  type JobDefinition,
  jobPhases,
  phase,
  type PhaseContext,
} from '../../src/index.js';

interface Library {
  put(path: string): void;
}

export const backup = defineJob({
  name: 'backup',
  version: 1,
  deps: depsType<{ library: Library }>(),
  initialState: (_input: { files: string[]; to: string }) => ({ next: 0, copied: [] as string[] }),
  phases: (phase) => [
    phase({
      name: 'copy',
      async execute(ctx) {
        expectTypeOf(ctx.state).toEqualTypeOf<{ next: number; copied: string[] }>();
        expectTypeOf(ctx.input).toEqualTypeOf<Readonly<{ files: string[]; to: string }>>();
        expectTypeOf(ctx.deps).toEqualTypeOf<{ library: Library }>();
        for (; ctx.state.next < ctx.input.files.length; ctx.state.next++) {
          ctx.deps.library.put(ctx.input.files[ctx.state.next]);
          // @ts-expect-error a typo in the state is a compile error
          ctx.state.nxt++;
          // @ts-expect-error so is one in the input
          ctx.input.file;
          // @ts-expect-error and one in the deps
          ctx.deps.libary;
        }
        return Continue;
      },
      async onFailure(ctx, error) {
        expectTypeOf(ctx.state.copied).toEqualTypeOf<string[]>();
        expectTypeOf(error.kind).toEqualTypeOf<'fatal' | 'nonFatal' | 'paused' | 'cancelled'>();
      },
    }),
    group('finish', [
      phase({
        name: 'report',
        when: (input) => input.files.length > 0,
        async execute(ctx) {
          ctx.log(`${ctx.state.copied.length} copied to ${ctx.input.to}`);
          return Continue;
        },
      }),
    ]),
  ],
  output: (state) => ({ copied: state.copied.length }),
});
expectTypeOf(backup).toExtend<
  JobDefinition<{ next: number; copied: string[] }, { files: string[]; to: string }>
>();
expectTypeOf(backup.output).returns.toEqualTypeOf<{ copied: number }>();

// A job with no deps: ctx.deps is unknown, and the input comes from initialState's parameter alone.
defineJob({
  name: 'count',
  version: 1,
  initialState: (_input: { limit: number }) => ({ n: 0 }),
  phases: (phase) => [
    phase({
      name: 'count',
      async execute(ctx) {
        expectTypeOf(ctx.deps).toBeUnknown();
        while (ctx.state.n < ctx.input.limit) ctx.state.n++;
        // @ts-expect-error the input is read-only
        ctx.input.limit = 3;
        return Continue;
      },
    }),
  ],
});

// Phases in their own modules: a factory bound once to the job's types.
interface ScanState {
  cursor: number;
}
const scanPhase = jobPhases<ScanState, { items: string[] }, { log: (s: string) => void }>();
export const scan = scanPhase({
  name: 'scan',
  async execute(ctx) {
    expectTypeOf(ctx).toEqualTypeOf<
      PhaseContext<ScanState, { items: string[] }, { log: (s: string) => void }>
    >();
    // @ts-expect-error cursor is a number
    ctx.state.cursor = 'a';
    return Continue;
  },
});
expectTypeOf(scan).toExtend<ChainablePhase<ScanState, { items: string[] }, { log: (s: string) => void }>>();

// The existing form still compiles: typed phases, then defineJob with a list (how the shipped jobs are written).
const typed = phase<ScanState, { items: string[] }>({
  name: 'typed',
  async execute(ctx) {
    expectTypeOf(ctx.state.cursor).toBeNumber();
    return Continue;
  },
});
const untyped = phase({
  name: 'untyped',
  async execute(ctx) {
    // Standing alone with no types given, ctx is `any` (use the job's `phase`, or jobPhases, to type it).
    expectTypeOf(ctx.state).toBeAny();
    return Continue;
  },
});
export const listed = defineJob<ScanState, { items: string[] }>({
  name: 'listed',
  version: 1,
  initialState: () => ({ cursor: 0 }),
  phases: chain(typed, untyped),
});
defineJob({
  name: 'fluent',
  version: 1,
  initialState: () => ({ cursor: 0 }),
  phases: typed.andThen(untyped),
});
