import { describe, expect, it } from 'vitest';
import {
  Complete,
  Continue,
  defineJob,
  FatalError,
  group,
  NonFatalError,
  phase,
  runJob,
  skipTo,
} from '../../src/index.js';

type S = { ran: string[] };
const recorder = (name: string, result: () => unknown = () => Continue, extra: object = {}) =>
  phase<S>({
    name,
    async execute(ctx) {
      ctx.state.ran.push(name);
      return result() as never;
    },
    ...extra,
  });
const job = (phases: unknown[]) =>
  defineJob<S, { flag?: boolean }>({
    name: 'outcomes',
    version: 1,
    initialState: () => ({ ran: [] }),
    phases: phases as never,
  });
const statuses = (history: { phase: string; status: string }[]) =>
  Object.fromEntries(history.map((h) => [h.phase, h.status]));

describe('phase outcomes follow the transition table', () => {
  it('Continue runs every phase in order, groups included', async () => {
    const def = job([recorder('a'), group('g', [recorder('b'), recorder('c')]), recorder('d')]);
    const result = await runJob(def, {}).result;
    expect(result.status).toBe('completed');
    expect((result.output as S).ran).toEqual(['a', 'b', 'c', 'd']);
    expect(result.history.every((h) => h.status === 'completed' && h.attempts === 1)).toBe(true);
  });

  it('a declared skipTo jumps forward and records the phases between as skipped', async () => {
    const def = job([
      recorder('a', () => skipTo('d'), { skipsTo: ['d'] }),
      recorder('b'),
      recorder('c'),
      recorder('d'),
    ]);
    const result = await runJob(def, {}).result;
    expect((result.output as S).ran).toEqual(['a', 'd']);
    expect(statuses(result.history)).toEqual({ a: 'completed', b: 'skipped', c: 'skipped', d: 'completed' });
  });

  it('an undeclared skipTo fails the job naming the declared targets', async () => {
    const def = job([recorder('a', () => skipTo('c'), { skipsTo: ['b'] }), recorder('b'), recorder('c')]);
    const result = await runJob(def, {}).result;
    expect(result.status).toBe('failed');
    expect(result.failure?.message).toMatch(/skipTo\("c"\), which it did not declare; declared targets: b/);
    expect(statuses(result.history)).toEqual({ a: 'failed', b: 'pending', c: 'pending' });
  });

  it('an output that is not an outcome fails the job with a message saying what to return', async () => {
    const def = job([recorder('a', () => undefined)]);
    const result = await runJob(def, {}).result;
    expect(result.status).toBe('failed');
    expect(result.failure?.message).toMatch(/return Continue, Complete or skipTo/);
  });

  it('Complete ends the job and records the rest as skipped', async () => {
    const def = job([recorder('a'), recorder('b', () => Complete), recorder('c')]);
    const result = await runJob(def, {}).result;
    expect(result.status).toBe('completed');
    expect(statuses(result.history)).toEqual({ a: 'completed', b: 'completed', c: 'skipped' });
  });

  it('NonFatalError is recorded and the job goes on', async () => {
    const def = job([
      recorder('a', () => {
        throw new NonFatalError('one file was unreadable', { details: { path: '/x' } });
      }),
      recorder('b'),
    ]);
    const result = await runJob(def, {}).result;
    expect(result.status).toBe('completed');
    expect((result.output as S).ran).toEqual(['a', 'b']);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({
      kind: 'nonFatal',
      phase: 'a',
      message: 'one file was unreadable',
      details: { path: '/x' },
    });
    expect(result.history[0]).toMatchObject({ status: 'completed', error: { kind: 'nonFatal' } });
  });

  it('addNonFatalError records without stopping the phase', async () => {
    const def = job([
      phase<S>({
        name: 'a',
        async execute(ctx) {
          for (let i = 0; i < 3; i++) ctx.addNonFatalError(new Error(`bad ${i}`), { index: i });
          expect(ctx.errors).toHaveLength(3);
          return Continue;
        },
      }),
    ]);
    const result = await runJob(def, {}).result;
    expect(result.errors.map((e) => e.message)).toEqual(['bad 0', 'bad 1', 'bad 2']);
    expect(result.errorCount).toBe(3);
  });

  it("a phase may take ctx's functions out of it, and its state and errors read through to the run", async () => {
    const seen: unknown[] = [];
    const def = job([
      phase<S>({
        name: 'a',
        async execute(ctx) {
          const { addNonFatalError, checkInterrupt, checkpoint, reportProgress, atomic, log } = ctx;
          checkInterrupt();
          addNonFatalError(new Error('taken out'));
          reportProgress({ completed: 1, total: 2 });
          atomic('units', 2).increment();
          log('still bound');
          await checkpoint({ force: true });
          ctx.state = { ran: ['replaced'] };
          seen.push(ctx.errors.length, ctx.state.ran[0]);
          return Continue;
        },
      }),
      recorder('b'),
    ]);
    const result = await runJob(def, {}).result;
    expect(seen).toEqual([1, 'replaced']);
    expect((result.output as S).ran).toEqual(['replaced', 'b']);
    expect(result.errors.map((e) => e.message)).toEqual(['taken out']);
  });

  it('a `when` guard false records the phase skipped; true runs it', async () => {
    const def = job([
      recorder('a'),
      recorder('b', undefined, { when: (i: { flag?: boolean }) => i.flag === true }),
      recorder('c'),
    ]);
    const skipped = await runJob(def, { flag: false }).result;
    expect(statuses(skipped.history)).toEqual({ a: 'completed', b: 'skipped', c: 'completed' });
    const ran = await runJob(def, { flag: true }).result;
    expect((ran.output as S).ran).toEqual(['a', 'b', 'c']);
  });

  it('a fatal error with the default recovery fails the job, runs onFailure, and keeps the history', async () => {
    const calls: string[] = [];
    const def = job([
      recorder('a'),
      recorder(
        'b',
        () => {
          throw new FatalError('disk full');
        },
        { onFailure: async (_ctx: unknown, error: Error) => void calls.push(`onFailure:${error.message}`) },
      ),
      recorder('c'),
    ]);
    const result = await runJob(def, {}).result;
    expect(result.status).toBe('failed');
    expect(result.failure).toMatchObject({
      kind: 'fatal',
      phase: 'b',
      message: 'disk full',
      name: 'FatalError',
    });
    expect(calls).toEqual(['onFailure:disk full']);
    expect(statuses(result.history)).toEqual({ a: 'completed', b: 'failed', c: 'pending' });
  });

  it('a plain thrown Error is fatal', async () => {
    const def = job([
      recorder('a', () => {
        throw new TypeError('oops');
      }),
    ]);
    const result = await runJob(def, {}).result;
    expect(result.failure).toMatchObject({ kind: 'fatal', name: 'TypeError', message: 'oops' });
  });

  it('onSuccess runs after a successful phase, before the next one', async () => {
    const order: string[] = [];
    const def = job([
      phase<S>({
        name: 'a',
        async execute() {
          order.push('a');
          return Continue;
        },
        async onSuccess() {
          order.push('a.onSuccess');
        },
      }),
      phase<S>({
        name: 'b',
        async execute() {
          order.push('b');
          return Continue;
        },
      }),
    ]);
    await runJob(def, {}).result;
    expect(order).toEqual(['a', 'a.onSuccess', 'b']);
  });

  it('an onSuccess that throws fails the job', async () => {
    const def = job([
      phase<S>({
        name: 'a',
        async execute() {
          return Continue;
        },
        async onSuccess() {
          throw new Error('hook broke');
        },
      }),
    ]);
    const result = await runJob(def, {}).result;
    expect(result.status).toBe('failed');
    expect(result.failure?.message).toBe('hook broke');
  });

  it('the output function failing fails the job', async () => {
    const def = defineJob({
      name: 'o',
      version: 1,
      initialState: () => ({ ran: [] as string[] }),
      phases: [recorder('a')],
      output: () => {
        throw new Error('no output');
      },
    });
    const result = await runJob(def, {}).result;
    expect(result.status).toBe('failed');
    expect(result.failure?.message).toBe('no output');
  });

  it('the same definition always yields the same machine', async () => {
    const { compileJob } = await import('../../src/index.js');
    const def = job([recorder('a')]);
    expect(compileJob(def)).toBe(compileJob(def));
  });
});
