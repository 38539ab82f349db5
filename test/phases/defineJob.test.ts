import { describe, expect, it } from 'vitest';
import { chain, Continue, defineJob, group, JobDefinitionError, phase } from '../../src/index.js';

const p = (name: string, extra: object = {}) =>
  phase({
    name,
    async execute() {
      return Continue;
    },
    ...extra,
  });
const job = (phases: unknown[], name = 'demo') =>
  defineJob({ name, version: 1, initialState: () => ({}), phases: phases as never });

describe('defineJob checks definitions when they are defined', () => {
  it('flattens groups in run order', () => {
    const def = job([p('a'), group('g', [p('b'), group('h', [p('c')])]), p('d')]);
    expect(def.phases.map((x) => x.phase.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(def.byName.get('c')?.groups).toEqual(['g', 'h']);
  });

  it.each([
    ['an empty job', [], /demo.*no phases/],
    ['duplicate names', [p('a'), p('a')], /Job "demo", phase "a": the name is used twice/],
    ['a group and phase with one name', [p('a'), group('a', [p('b')])], /phase "a".*used twice/],
    ['a name with a dot', [p('a.b')], /phase "a\.b": phase names must match/],
    ['a name with a capital first letter', [p('Scan')], /phase "Scan"/],
    ['a reserved name', [p('completed')], /phase "completed": "completed" is reserved/],
    [
      'a SkipTo to an unknown phase',
      [p('a', { skipsTo: ['zzz'] }), p('b')],
      /phase "a": skipsTo names "zzz", which is not a phase of this job \(phases: a, b\)/,
    ],
    ['a SkipTo backwards', [p('a'), p('b', { skipsTo: ['a'] })], /phase "b": skipsTo "a" points backwards/],
    ['an empty group', [p('a'), group('g', [])], /phase "g": the group has no phases/],
    [
      'a bad maxAttempts',
      [p('a', { recovery: { strategy: 'restart-phase', maxAttempts: 0 } })],
      /maxAttempts must be an integer >= 1/,
    ],
    ['an unknown strategy', [p('a', { recovery: { strategy: 'pray' } })], /unknown recovery strategy "pray"/],
    ['a negative weight', [p('a', { weight: -1 })], /weight must be a finite number >= 0/],
  ])('refuses %s', (_what, phases, message) => {
    const attempt = () => job(phases);
    expect(attempt).toThrow(JobDefinitionError);
    expect(attempt).toThrow(message);
  });

  it('refuses a bad job name and a bad version', () => {
    expect(() => job([p('a')], 'Bad.Name')).toThrow(/job name must match/);
    expect(() => defineJob({ name: 'x', version: 0, initialState: () => ({}), phases: [p('a')] })).toThrow(
      /version must be a positive integer/,
    );
  });

  it('builds ordered lists with chain() and andThen()', () => {
    const a = p('a');
    const list = a.andThen(p('b')).andThen(p('c'));
    expect(list.map((x) => x.name)).toEqual(['a', 'b', 'c']);
    expect(chain(p('x'), p('y')).map((x) => x.name)).toEqual(['x', 'y']);
    // A phase is not a thenable: awaiting it gives the phase back.
    return Promise.resolve(a).then((value) => expect(value).toBe(a));
  });
});
