import { describe, expect, it } from 'vitest';
import {
  Continue,
  defineJob,
  depsType,
  group,
  JobDefinitionError,
  jobPhases,
  MemoryStore,
  phase,
  runJob,
  skipTo,
} from '../../src/index.js';

// The runtime side of jobs whose phases are written inside them (the types are tested in test/types).
describe('defineJob({ phases: (phase) => [...] })', () => {
  const build = () =>
    defineJob({
      name: 'typed',
      version: 1,
      deps: depsType<{ seen: string[] }>(),
      initialState: (_input: { items: string[] }) => ({ cursor: 0, skipped: false }),
      phases: (phase) => [
        phase({
          name: 'walk',
          skipsTo: ['report'],
          async execute(ctx) {
            for (; ctx.state.cursor < ctx.input.items.length; ctx.state.cursor++) {
              ctx.deps.seen.push(ctx.input.items[ctx.state.cursor]);
            }
            return ctx.input.items.length === 0 ? skipTo('report') : Continue;
          },
        }),
        group('middle', [
          phase({
            name: 'count',
            async execute() {
              return Continue;
            },
          }),
        ]),
        phase({
          name: 'report',
          async execute(ctx) {
            ctx.state.skipped = ctx.state.cursor === 0;
            return Continue;
          },
        }),
      ],
      output: (state) => state,
    });

  it('calls the function once with phase() and checks what it returns like a list', () => {
    const def = build();
    expect(def.phases.map((p) => p.phase.name)).toEqual(['walk', 'count', 'report']);
    expect(def.byName.get('count')?.groups).toEqual(['middle']);
    expect(def.tree.map((n) => n.name)).toEqual(['walk', 'middle', 'report']);
    expect(Object.isFrozen(def.tree)).toBe(true);
    expect(() =>
      defineJob({ name: 'empty', version: 1, initialState: () => ({}), phases: () => [] }),
    ).toThrow(JobDefinitionError);
    expect(() =>
      defineJob({
        name: 'dup',
        version: 1,
        initialState: () => ({}),
        phases: (phase) => [
          phase({
            name: 'a',
            async execute() {
              return Continue;
            },
          }),
          phase({
            name: 'a',
            async execute() {
              return Continue;
            },
          }),
        ],
      }),
    ).toThrow(/phase "a": the name is used twice/);
  });

  it('hands out the phase factory: its phases chain with andThen', () => {
    let given: unknown;
    defineJob({
      name: 'factory',
      version: 1,
      initialState: () => ({}),
      phases: (factory) => {
        given = factory;
        const a = factory({
          name: 'a',
          async execute() {
            return Continue;
          },
        });
        return a.andThen(
          factory({
            name: 'b',
            async execute() {
              return Continue;
            },
          }),
        );
      },
    });
    expect(given).toBe(phase);
    expect(jobPhases<{ n: number }>()).toBe(phase);
  });

  it('runs as a job written with a list does: deps reach the phases, skipTo jumps', async () => {
    const seen: string[] = [];
    const full = await runJob(build(), { items: ['x', 'y'] }, { store: new MemoryStore(), deps: { seen } })
      .result;
    expect(full.status).toBe('completed');
    expect(full.output).toEqual({ cursor: 2, skipped: false });
    expect(seen).toEqual(['x', 'y']);
    const empty = await runJob(build(), { items: [] }, { deps: { seen } }).result;
    expect(empty.history.map((h) => `${h.phase}:${h.status}`)).toEqual([
      'walk:completed',
      'count:skipped',
      'report:completed',
    ]);
    expect(empty.output).toEqual({ cursor: 0, skipped: true });
  });

  it('marks a job that declares deps (what runJob’s types read), and no other', () => {
    expect(build().depsRequired).toBe(true);
    const plain = defineJob({
      name: 'plain',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({
          name: 'a',
          async execute() {
            return Continue;
          },
        }),
      ],
    });
    expect('depsRequired' in plain).toBe(false);
    expect(depsType<{ a: 1 }>()).toEqual({ kind: 'deps' });
  });
});
