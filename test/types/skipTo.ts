// SkipTo targets are checked by the compiler against the phase's `skipsTo`.
import { Complete, Continue, defineJob, phase, skipTo } from '../../src/index.js';

defineJob({
  name: 'report',
  version: 1,
  initialState: () => ({ empty: true }),
  phases: (phase) => [
    phase({
      name: 'scan',
      skipsTo: ['report', 'cleanup'],
      async execute(ctx) {
        if (ctx.state.empty) return skipTo('report');
        if (!ctx.state.empty) return skipTo('cleanup');
        // @ts-expect-error 'reprot' is not in skipsTo
        return skipTo('reprot');
      },
    }),
    phase({
      name: 'middle',
      // @ts-expect-error a phase that declares no skipsTo cannot skip (reported on its execute)
      async execute() {
        return skipTo('report');
      },
    }),
    phase({
      name: 'branches',
      skipsTo: ['report'],
      async execute(ctx) {
        return ctx.state.empty ? skipTo('report') : Continue;
      },
    }),
    phase({
      name: 'report',
      async execute() {
        return Complete;
      },
    }),
    phase({
      name: 'cleanup',
      async execute() {
        return Continue;
      },
    }),
  ],
});

// Built apart from a return, skipTo takes any name; it is checked where the phase returns it.
export const later = skipTo('anywhere');

// The standalone `phase()` checks a declared `skipsTo` too.
phase({
  name: 'alone',
  skipsTo: ['report'],
  async execute() {
    // @ts-expect-error 'reprot' is not in skipsTo
    return skipTo('reprot');
  },
});
phase({
  name: 'fine',
  skipsTo: ['report'],
  async execute() {
    return skipTo('report');
  },
});
