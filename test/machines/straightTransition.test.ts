import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnyMachineSnapshot, createActor, initialTransition, transition } from 'xstate';
import { compileJob, compileJobStepByStep } from '../../src/machines/compileJob.js';
import { defineJob } from '../../src/phases/defineJob.js';
import { group } from '../../src/phases/group.js';
import { Continue } from '../../src/phases/outcomes.js';
import { phase } from '../../src/phases/phase.js';
import { jobEvents } from '../../src/testing/jobPaths.js';

const run = async () => Continue;
const hook = async () => {};

/** Every kind of neighbour a straight transition can have: hooks, `when`, groups, skips, retries. */
const job = defineJob({
  name: 'straight',
  version: 1,
  initialState: () => ({}),
  phases: [
    phase({ name: 'first', execute: run }),
    phase({
      name: 'plan',
      skipsTo: ['report'],
      recovery: { strategy: 'restart-phase', maxAttempts: 3 },
      execute: run,
    }),
    phase({ name: 'optional', when: (input: { optional: boolean }) => input.optional, execute: run }),
    group('transfer', [
      phase({ name: 'copy', recovery: { strategy: 'retry-from-checkpoint', maxAttempts: 2 }, execute: run }),
      phase({ name: 'verify', execute: run, onSuccess: hook }),
      phase({ name: 'seal', execute: run }),
    ]),
    phase({ name: 'cleanup', recovery: { strategy: 'skip-phase' }, execute: run, onFailure: hook }),
    phase({ name: 'report', execute: run }),
  ],
});

const straight = compileJob(job);
const stepByStep = compileJobStepByStep(job);

/** What a checkpoint and the runtime see of a snapshot. */
const seen = (s: AnyMachineSnapshot) => ({ status: s.status, value: s.value, context: s.context });

/**
 * Give done and error events the times the runtime stamps on them, so history times are compared too; `at` 0
 * leaves the event without one (an app's control event may carry none).
 */
const stamped = (event: { type: string; output?: unknown; error?: unknown }, at: number) => {
  if (at % 4 === 0) return event;
  if (event.output && typeof event.output === 'object') {
    return { ...event, output: { ...event.output, at, startedAt: at - 3 } };
  }
  if (event.error && typeof event.error === 'object') return { ...event, error: { ...event.error, at } };
  return { ...event, at };
};

describe('straight transitions', () => {
  it('the machine takes them where a phase continues into a plain phase', () => {
    const [s0] = initialTransition(straight, { jobId: 'j', input: { optional: true }, now: 1 });
    const [s1] = transition(straight, s0, {
      type: 'xstate.done.actor.execute-first',
      output: { kind: 'continue', at: 5, startedAt: 2 },
    } as never);
    expect(s1.value).toEqual({ plan: 'running' });
    expect(s1.context.history.slice(0, 2)).toMatchObject([
      { phase: 'first', status: 'completed', startedAt: 1, completedAt: 5 },
      { phase: 'plan', status: 'running', startedAt: 5, attempts: 1 },
    ]);
  });

  it('take one step where the step-by-step machine takes three', () => {
    const microsteps = (machine: typeof straight) => {
      let count = 0;
      const actor = createActor(
        // Phases that never end: only the event sent below moves the machine.
        machine.provide({ actions: { execute: () => {} } } as never),
        {
          input: { jobId: 'j', input: { optional: true } },
          inspect: (e) => {
            // A microstep that took transitions (XState also reports one that took none).
            if (e.type === '@xstate.microstep' && e._transitions.length > 0) count++;
          },
        },
      ).start();
      count = 0;
      actor.send({
        type: 'xstate.done.actor.execute-first',
        output: { kind: 'continue', at: 5, startedAt: 2 },
      } as never);
      actor.stop();
      return count;
    };
    expect(microsteps(straight)).toBe(1);
    expect(microsteps(stepByStep)).toBe(3);
  });

  it('keep the time a phase began from its output when the event that started it had none', () => {
    const plain = defineJob({
      name: 'plain',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({ name: 'a', execute: run }),
        phase({ name: 'b', execute: run }),
        phase({ name: 'c', execute: run }),
      ],
    });
    const histories = [compileJob(plain), compileJobStepByStep(plain)].map((m) => {
      let [s] = initialTransition(m, { jobId: 'j', input: {}, now: 1 });
      [s] = transition(m, s, { type: 'xstate.done.actor.execute-a', output: { kind: 'continue' } } as never);
      [s] = transition(m, s, {
        type: 'xstate.done.actor.execute-b',
        output: { kind: 'continue', at: 9, startedAt: 7 },
      } as never);
      return s.context.history;
    });
    expect(histories[0][1]).toMatchObject({ phase: 'b', startedAt: 7, completedAt: 9 });
    expect(histories[0]).toEqual(histories[1]);
  });

  it('give the very snapshots of the three steps they replace, on any run (property)', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 1000 })), { maxLength: 60 }),
        (optional, picks) => {
          const input = { jobId: 'j', input: { optional }, now: 1 };
          let [a] = initialTransition(straight, input);
          let [b] = initialTransition(stepByStep, input);
          expect(seen(a)).toEqual(seen(b));
          let at = 10;
          for (const [pick, dt] of picks) {
            const offered = jobEvents(job, b);
            if (offered.length === 0) break;
            at += dt;
            const event = stamped(offered[pick % offered.length] as never, at);
            [a] = transition(straight, a, event as never);
            [b] = transition(stepByStep, b, event as never);
            expect(seen(a)).toEqual(seen(b));
            expect(Object.keys(a.children)).toEqual(Object.keys(b.children));
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
